"""The setup wizard: region and credentials (checked live, stored only at the end), then pick what exists."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, ContentSwitcher, Footer, Input, RadioButton, RadioSet, Select, Static

from drconsole.app import wizardform as form
from drconsole.tui.widgets import Banner, Field

if TYPE_CHECKING:
    from drconsole.app.discovery import Found
    from drconsole.tui.app import DrconsoleApp

PAGES = ["where", "credentials", "pick", "network", "review"]
TITLES = {"where": "1 Region", "credentials": "2 Credentials", "pick": "3 Pick what exists",
          "network": "4 Network facts", "review": "5 Review and save"}
# field id -> validator of its text (None: no check)
CHECKS: dict[str, Any] = {
    "name": form.check_name, "region": form.check_region, "endpoint": form.check_endpoint,
    "vpc_cidrs": form.check_cidrs, "idc_cidrs": form.check_cidrs,
    "resolvers": lambda v: form.check_addresses(v),
}
BGP_FIELDS = ("vbr_asn", "idc_asn", "vbr_peer_ip", "idc_peer_ip")


def labelled(field_id: str, label: str, value: str = "", *, password: bool = False,
             placeholder: str = "") -> list[Any]:
    return [Static(label, classes="field-label"),
            Field(value, id=field_id, password=password, placeholder=placeholder),
            Static("", id=f"{field_id}-error", classes="field-error")]


class WizardScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+n", "next", "Next", id="wizard.next"),
        Binding("ctrl+b", "back", "Back", id="wizard.back"),
        Binding("escape", "leave", "Leave the wizard", id="wizard.leave"),
    ]

    def __init__(self, prefill: dict[str, str] | None = None) -> None:
        super().__init__()
        self.prefill = prefill or {}
        self.page = 0
        self.verified = False
        self.found: Found | None = None
        self.contexts: list[str] = []

    def compose(self) -> ComposeResult:
        p = self.prefill
        region = p.get("region", "cn-hangzhou")
        defaults = form.region_defaults(region)
        yield Banner(id="banner")
        with Vertical(id="wizard"):
            yield Static("", id="wizard-steps")
            with ContentSwitcher(initial="where", id="pages"):
                with VerticalScroll(id="where", classes="wizard-page"):
                    yield from labelled("name", "Profile name", p.get("name", ""), placeholder="e.g. prod-hangzhou")
                    yield from labelled("region", "Region", region)
                    yield Static("Advanced", classes="section-title")
                    yield from labelled("endpoint", "Endpoint override for every product (host:port; the lab's region "
                                        "service, or a private endpoint)", p.get("endpoint", ""),
                                        placeholder="empty: the public endpoints")
                    yield Static("Protocol", classes="field-label")
                    yield Select([("https", "https"), ("http", "http")], value=p.get("protocol", "https"),
                                 allow_blank=False, id="protocol")
                with VerticalScroll(id="credentials", classes="wizard-page"):
                    with RadioSet(id="cred-kind"):
                        yield RadioButton("AccessKey pair (the secret goes into the OS keyring)", value=True,
                                          id="cred-keyring")
                        yield RadioButton("Use the existing credential chain (environment, ~/.alibabacloud)",
                                          id="cred-chain")
                    yield from labelled("access_key_id", "AccessKey ID", p.get("access_key_id", ""))
                    yield from labelled("secret", "AccessKey secret (never shown, stored only when you save)",
                                        password=True)
                    yield Button("Verify (a read-only call)", id="verify", variant="primary")
                    yield Static("", id="cred-status")
                with VerticalScroll(id="pick", classes="wizard-page"):
                    yield Static("asking the cloud what exists …", id="discover-status")
                    for sel, label in (("fleet", "Fleet (ACK One)"), ("ack", "ACK cluster (zone A)"),
                                       ("registered", "Registered cluster (zone B)"), ("vbr", "VBR"), ("cen", "CEN")):
                        yield Static(label, classes="field-label")
                        yield Select([], id=sel, prompt=f"pick the {label.split(' (')[0]}")
                    yield from labelled("kubeconfig", "kubeconfig", p.get("kubeconfig", ""),
                                        placeholder="empty: $KUBECONFIG or ~/.kube/config")
                    for sel, label in (("fleet_context", "kube context of the Fleet"),
                                       ("ack_context", "kube context of the ACK cluster"),
                                       ("registered_context", "kube context of the registered cluster")):
                        yield Static(label, classes="field-label")
                        yield Select([], id=sel, prompt="pick a context")
                    yield Static("", id="pick-error", classes="field-error")
                with VerticalScroll(id="network", classes="wizard-page"):
                    yield from labelled("vpc_cidrs", "VPC CIDR blocks (comma-separated)", p.get("vpc_cidrs", ""))
                    yield from labelled("idc_cidrs", "Data-center CIDR blocks", p.get("idc_cidrs", ""))
                    yield from labelled("vbr_peer_ip", "VBR address as the data center sees it",
                                        p.get("vbr_peer_ip", ""))
                    yield from labelled("idc_peer_ip", "Data-center router address", p.get("idc_peer_ip", ""))
                    yield from labelled("idc_asn", "Data-center ASN", p.get("idc_asn", ""))
                    yield from labelled("vbr_asn", "VBR ASN (Alibaba Cloud side)",
                                        p.get("vbr_asn", defaults["vbr_asn"]))
                    yield from labelled("resolvers", "DNS resolvers the data center uses", p.get("resolvers", ""))
                    yield from labelled("oss_endpoint", "OSS internal endpoint", defaults["oss_endpoint"])
                    yield from labelled("acr_endpoint", "ACR VPC endpoint", defaults["acr_endpoint"])
                    yield from labelled("gateway_host", "Gateway host name of the application",
                                        p.get("gateway_host", ""))
                with VerticalScroll(id="review", classes="wizard-page"):
                    yield Static("", id="review-text")
                    yield Static("", id="review-error", classes="field-error")
            with Horizontal(id="wizard-buttons"):
                yield Button("Back (ctrl+b)", id="back")
                yield Button("Next (ctrl+n)", id="next", variant="primary")
                yield Button("Save and run a first sweep", id="save", variant="success")
        yield Footer()

    def on_mount(self) -> None:
        self.show_page()

    # -- navigation -------------------------------------------------------------------------------
    def show_page(self) -> None:
        name = PAGES[self.page]
        self.query_one(ContentSwitcher).current = name
        self.query_one("#wizard-steps", Static).update(
            "   ".join(f"[b]{TITLES[p]}[/b]" if p == name else TITLES[p] for p in PAGES))
        self.query_one("#back", Button).disabled = self.page == 0
        self.query_one("#next", Button).display = name != "review"
        self.query_one("#save", Button).display = name == "review"
        if name == "pick" and self.found is None:
            self.discover()
        if name == "review":
            self.review()

    def action_next(self) -> None:
        if PAGES[self.page] == "review" or not self.page_ok():
            return
        self.page += 1
        self.show_page()

    def action_back(self) -> None:
        if self.page:
            self.page -= 1
            self.show_page()

    def action_leave(self) -> None:
        self.app.pop_screen()

    @on(Button.Pressed, "#next")
    def _next(self) -> None:
        self.action_next()

    @on(Button.Pressed, "#back")
    def _back(self) -> None:
        self.action_back()

    # -- live validation --------------------------------------------------------------------------
    def value(self, field_id: str) -> str:
        return self.query_one(f"#{field_id}", Input).value.strip()

    def show_error(self, field_id: str, message: str | None) -> None:
        self.query_one(f"#{field_id}-error", Static).update(message or "")

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        field_id = event.input.id or ""
        if field_id in CHECKS:
            self.show_error(field_id, CHECKS[field_id](event.value.strip()))
        elif field_id in BGP_FIELDS:
            self.check_bgp()
        if field_id in ("access_key_id", "secret", "region", "endpoint"):
            self.verified = False
            self.found = None
            self.query_one("#cred-status", Static).update("")
        if field_id == "region":
            defaults = form.region_defaults(event.value.strip())
            self.query_one("#oss_endpoint", Input).value = defaults["oss_endpoint"]
            self.query_one("#acr_endpoint", Input).value = defaults["acr_endpoint"]

    def check_bgp(self) -> dict[str, str]:
        errors = form.check_bgp({f: self.value(f) for f in BGP_FIELDS})
        for field_id in BGP_FIELDS:
            self.show_error(field_id, errors.get(field_id))
        return errors

    def page_ok(self) -> bool:
        name = PAGES[self.page]
        if name == "where":
            errors = {f: CHECKS[f](self.value(f)) for f in ("name", "region", "endpoint")}
            for field_id, message in errors.items():
                self.show_error(field_id, message)
            return not any(errors.values())
        if name == "credentials":
            if not self.verified:
                self.query_one("#cred-status", Static).update("verify the credentials first (a read-only call)")
            return self.verified
        if name == "pick":
            missing = [s for s in ("fleet_context", "ack_context", "registered_context")
                       if self.query_one(f"#{s}", Select).value is Select.BLANK]
            self.query_one("#pick-error", Static).update(
                f"pick: {', '.join(m.replace('_', ' ') for m in missing)}" if missing else "")
            return not missing
        if name == "network":
            errors = {f: CHECKS[f](self.value(f)) for f in ("vpc_cidrs", "idc_cidrs", "resolvers")}
            for field_id, message in errors.items():
                self.show_error(field_id, message)
            bgp = self.check_bgp()
            host = self.value("gateway_host")
            self.show_error("gateway_host", None if host else "the host name the application is served under")
            return not any(errors.values()) and not bgp and bool(host)
        return True

    # -- credentials ------------------------------------------------------------------------------
    def use_chain(self) -> bool:
        return self.query_one("#cred-chain", RadioButton).value

    @on(RadioSet.Changed, "#cred-kind")
    def _kind(self) -> None:
        chain = self.use_chain()
        for field_id in ("access_key_id", "secret"):
            self.query_one(f"#{field_id}", Input).disabled = chain
        self.verified = False

    @on(Button.Pressed, "#verify")
    def _verify(self) -> None:
        if not self.use_chain() and not (self.value("access_key_id") and self.query_one("#secret", Input).value):
            self.query_one("#cred-status", Static).update("enter the AccessKey ID and its secret")
            return
        self.query_one("#cred-status", Static).update("asking the cloud …")
        self.query_one("#verify", Button).disabled = True
        self.verify_worker()

    def probe(self) -> Any:
        from drconsole.app.discovery import Probe, cloud_section

        cloud = cloud_section(self.value("region"), self.value("endpoint") or None,
                              str(self.query_one("#protocol", Select).value))
        if self.use_chain():
            return Probe(cloud, None, None)
        return Probe(cloud, self.value("access_key_id"), self.query_one("#secret", Input).value)

    @work(thread=True, exclusive=True, group="wizard-cloud", name="verify credentials")
    def verify_worker(self) -> None:
        from drconsole.errors import DrconsoleError

        try:
            message, ok = self.probe().verify(), True
        except DrconsoleError as exc:
            message, ok = f"not accepted: {exc.message}\n  fix: {exc.fix}" if exc.fix else exc.message, False
        except Exception as exc:  # e.g. an unreachable endpoint
            message, ok = f"could not ask the cloud: {type(exc).__name__}: {exc}", False
        self.app.call_from_thread(self._verified, ok, message)

    def _verified(self, ok: bool, message: str) -> None:
        self.verified = ok
        self.query_one("#verify", Button).disabled = False
        status = self.query_one("#cred-status", Static)
        status.update(("✓ " if ok else "✗ ") + message)
        status.set_class(not ok, "error")

    # -- discovery --------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="wizard-cloud", name="discover")
    def discover(self) -> None:
        from drconsole.kube import KubeConfigError, kubeconfig_contexts

        found = self.probe().discover()
        contexts: list[str] = []
        chosen = self.value("kubeconfig")
        try:
            _, contexts = kubeconfig_contexts(Path(chosen) if chosen else None)
        except (KubeConfigError, OSError) as exc:
            found.problems.append(f"kubeconfig: {exc}")
        self.app.call_from_thread(self._discovered, found, contexts)

    def _discovered(self, found: Found, contexts: list[str]) -> None:
        self.found = found
        self.contexts = contexts

        def options(items: list[dict[str, Any]], extra: str = "") -> list[tuple[str, str]]:
            return [(f"{i.get('name') or i['id']} ({i['id']}){' ' + str(i.get(extra)) if extra else ''}", i["id"])
                    for i in items if i.get("id")]

        ack = [c for c in found.clusters if c.get("type") != "ExternalKubernetes"]
        registered = [c for c in found.clusters if c.get("type") == "ExternalKubernetes"]
        for sel, items, extra in (("fleet", found.fleets, "state"), ("ack", ack, "zone"),
                                  ("registered", registered, "zone"), ("vbr", found.vbrs, ""),
                                  ("cen", found.cens, "")):
            select: Select[str] = self.query_one(f"#{sel}", Select)
            select.set_options(options(items, extra))
            if len(items) == 1:
                select.value = items[0]["id"]
        for sel, guess in (("fleet_context", "fleet"), ("ack_context", "ack"), ("registered_context", "idc")):
            select = self.query_one(f"#{sel}", Select)
            select.set_options([(c, c) for c in contexts])
            if guess in contexts:
                select.value = guess
        counts = (f"{len(found.fleets)} Fleet(s), {len(found.clusters)} cluster(s), {len(found.vbrs)} VBR(s), "
                  f"{len(found.cens)} CEN(s), {len(contexts)} kube context(s)")
        problems = ("\n" + "\n".join(found.problems)) if found.problems else ""
        self.query_one("#discover-status", Static).update(f"found {counts}{problems}")
        self.prefill_network()

    def prefill_network(self) -> None:
        vbr = self.picked("vbr", self.found.vbrs if self.found else [])
        if vbr:
            for field_id, key in (("vbr_peer_ip", "local_ip"), ("idc_peer_ip", "peer_ip")):
                if vbr.get(key) and not self.value(field_id):
                    self.query_one(f"#{field_id}", Input).value = str(vbr[key])

    def picked(self, select_id: str, items: list[dict[str, Any]]) -> dict[str, Any] | None:
        value = self.query_one(f"#{select_id}", Select).value
        return next((i for i in items if i.get("id") == value), None)

    @on(Select.Changed, "#vbr")
    def _vbr_picked(self) -> None:
        self.prefill_network()

    # -- review and save --------------------------------------------------------------------------
    def answers(self) -> dict[str, Any]:
        found = self.found
        a: dict[str, Any] = {f: self.value(f) for f in (
            "name", "region", "endpoint", "vpc_cidrs", "idc_cidrs", "vbr_peer_ip", "idc_peer_ip", "idc_asn",
            "vbr_asn", "resolvers", "oss_endpoint", "acr_endpoint", "gateway_host", "kubeconfig")}
        a["protocol"] = str(self.query_one("#protocol", Select).value)
        a["access_key_id"] = None if self.use_chain() else self.value("access_key_id")
        if found is not None:
            a["fleet"] = self.picked("fleet", found.fleets)
            a["ack"] = self.picked("ack", found.clusters)
            a["registered"] = self.picked("registered", found.clusters)
            a["vbr"] = self.picked("vbr", found.vbrs)
            a["cen"] = self.picked("cen", found.cens)
        for sel in ("fleet_context", "ack_context", "registered_context"):
            value = self.query_one(f"#{sel}", Select).value
            a[sel] = None if value is Select.BLANK else str(value)
        return a

    def review(self) -> None:
        from pydantic import ValidationError

        try:
            profile = form.build_profile(self.answers())
        except ValidationError as exc:
            self.query_one("#review-text", Static).update("")
            self.query_one("#review-error", Static).update("the profile is not complete:\n" +
                                                          "\n".join(form.problems(exc)))
            self.query_one("#save", Button).disabled = True
            return
        self.query_one("#review-error", Static).update("")
        self.query_one("#review-text", Static).update(profile.to_toml())
        self.query_one("#save", Button).disabled = False

    @on(Button.Pressed, "#save")
    def save(self) -> None:
        from pydantic import ValidationError

        from drconsole.errors import DrconsoleError
        from drconsole.profile import save_profile
        from drconsole.secrets import store_secret

        try:
            profile = form.build_profile(self.answers())
            if profile.cloud.access_key_id:
                store_secret(profile.name, profile.cloud.access_key_id, self.query_one("#secret", Input).value)
            save_profile(profile)
        except ValidationError as exc:
            self.query_one("#review-error", Static).update("\n".join(form.problems(exc)))
            return
        except DrconsoleError as exc:
            self.query_one("#review-error", Static).update(str(exc))
            return
        app: DrconsoleApp = self.app
        self.notify(f"profile {profile.name!r} saved")
        app.open_profile(profile, first_sweep=app.autorun)
