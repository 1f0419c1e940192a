"""Secrets: the session lab's AccessKey secret is the canary. A full session with it -- the setup wizard
(verify, discover, save into the keyring), a sweep, every setup action, exports in all four formats, an
evidence bundle, screenshots of every screen -- and the canary appears in no file under the config, state,
cache and export dirs, in no lab log, nowhere in the region's request log (which keeps only the signature),
and in no command's output. The keyring file is the keyring itself and is not searched."""

from __future__ import annotations

import base64
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from click.testing import CliRunner

from drconsole import paths
from drconsole.lab.lab import Lab

if TYPE_CHECKING:
    from drconsole.lab.env import LabEnv
    from drconsole.profile import Profile

pytestmark = [pytest.mark.lab]
WIZARD_PROFILE = "canary-wizard"
SIZE = (140, 45)


def forms(canary: str) -> list[bytes]:
    """The canary as it could land in a file: raw, and base64 (as in a basic-auth header or a JSON blob)."""
    raw = canary.encode()
    return [raw, base64.b64encode(raw), base64.urlsafe_b64encode(raw)]


def files_under(root: Path, skip: tuple[str, ...] = ()) -> Iterator[Path]:
    for path in root.rglob("*"):
        if path.is_file() and not any(part in skip for part in path.relative_to(root).parts):
            yield path


def leaks(roots: list[tuple[Path, tuple[str, ...]]], needles: list[bytes]) -> list[str]:
    found = []
    for root, skip in roots:
        for path in files_under(root, skip):
            data = path.read_bytes()
            found += [f"{path}: {needle[:4]!r}..." for needle in needles if needle in data]
    return found


class Cli:
    """`drconsole` in-process; keeps every output to search it too."""

    def __init__(self) -> None:
        self.outputs: list[str] = []

    def __call__(self, *args: str) -> Any:
        from drconsole.cli.main import cli

        result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
        self.outputs.append(result.output)
        return result


async def run_wizard(env: LabEnv, profile: Profile, canary: str, shots: Path) -> None:
    """Fill the setup wizard as an operator would, with the canary typed as the AccessKey secret."""
    from textual.widgets import Input, Select

    from drconsole.tui.app import DrconsoleApp
    from drconsole.tui.screens.wizard import WizardScreen

    net = profile.network
    prefill = {
        "name": WIZARD_PROFILE, "region": profile.cloud.region, "endpoint": env.facts()["region"]["endpoint"],
        "protocol": profile.cloud.protocol, "access_key_id": str(profile.cloud.access_key_id),
        "kubeconfig": str(profile.clusters.kubeconfig), "vpc_cidrs": ",".join(map(str, net.vpc_cidrs)),
        "idc_cidrs": ",".join(map(str, net.idc_cidrs)), "vbr_peer_ip": str(net.bgp.vbr_peer_ip),
        "idc_peer_ip": str(net.bgp.idc_peer_ip), "idc_asn": str(net.bgp.idc_asn), "vbr_asn": str(net.bgp.vbr_asn),
        "resolvers": ",".join(str(r) for r in net.resolvers), "gateway_host": profile.gateway.host,
    }
    app = DrconsoleApp(autorun=False, steady=True)
    async with app.run_test(size=SIZE) as pilot:
        wizard = WizardScreen(prefill)
        await app.push_screen(wizard)
        await pilot.pause()
        wizard.action_next()  # where -> credentials
        await pilot.pause()
        wizard.query_one("#secret", Input).value = canary
        await pilot.pause()
        await pilot.click("#verify")
        await wait_for(pilot, lambda: wizard.verified, "the wizard never accepted the canary credentials")
        app.save_screenshot(path=str(shots), filename="wizard-credentials.svg")
        wizard.action_next()  # -> pick: discovery asks the lab region
        await wait_for(pilot, lambda: wizard.found is not None and
                       wizard.query_one("#registered_context", Select).value is not Select.BLANK,
                       "the wizard's discovery never finished")
        app.save_screenshot(path=str(shots), filename="wizard-pick.svg")
        for _page in ("network", "review"):
            wizard.action_next()
            await pilot.pause()
        app.save_screenshot(path=str(shots), filename="wizard-review.svg")
        wizard.save()
        await pilot.pause()
    from drconsole.secrets import load_secret

    assert load_secret(WIZARD_PROFILE, str(profile.cloud.access_key_id)) == canary, "the wizard did not store it"


async def wait_for(pilot: Any, predicate: Any, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, what
        await pilot.pause(0.05)


async def screenshot_every_screen(profile: Profile, shots: Path) -> None:
    from drconsole.app.session import Session
    from drconsole.journal import Journal
    from drconsole.tui.app import DrconsoleApp
    from drconsole.tui.screens.dashboard import DashboardScreen

    app = DrconsoleApp(session=Session(profile, journal=Journal.for_profile(profile.name)), autorun=False,
                       steady=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.save_screenshot(path=str(shots), filename="runbook.svg")
        app.switch_mode("dashboard")
        await pilot.pause()
        dashboard = app.screen
        assert isinstance(dashboard, DashboardScreen)
        dashboard.action_sweep()
        await wait_for(pilot, lambda: dashboard.last_sweep is not None, "the dashboard sweep never finished", 60)
        app.save_screenshot(path=str(shots), filename="dashboard.svg")
        for mode in ("journal",):
            app.switch_mode(mode)
            await pilot.pause()
            app.save_screenshot(path=str(shots), filename=f"{mode}.svg")
        app.action_help()
        await pilot.pause()
        app.save_screenshot(path=str(shots), filename="help.svg")
        (shots / "journal.txt").write_text(app.export_screenshot())


def test_canary_secret_never_written_or_shown(lab: dict[str, Any], lab_env: LabEnv, lab_profile: Profile,
                                              tmp_path: Path) -> None:
    import asyncio

    canary = lab_env.access_key_secret
    assert canary and len(canary) >= 30
    exports, shots = tmp_path / "exports", tmp_path / "shots"
    exports.mkdir()
    shots.mkdir()
    request_log = Path(lab["region"]["request_log"])
    log_offset = request_log.stat().st_size if request_log.exists() else 0
    cli = Cli()

    asyncio.run(run_wizard(lab_env, lab_profile, canary, shots))
    # What this test is for is the canary, so a sweep or a run only has to be evaluated (0 all pass, 1 some fail):
    # whether the shared session lab is healthy at this point is other tests' business.
    swept = cli("--profile", lab_profile.name, "check", "--format", "json")
    assert swept.exit_code in (0, 1), swept.output
    setup = cli("run", "zone-dr-hybrid", "--profile", lab_profile.name, "--yes")
    assert setup.exit_code in (0, 1), setup.output
    for fmt in ("md", "html", "json", "junit"):
        assert cli("--profile", lab_profile.name, "export", "--format", fmt, "-o",
                   str(exports / f"setup.{fmt}")).exit_code == 0
    the_lab = Lab(lab_env)
    the_lab.break_("region-5xx")  # cloud errors: where a signed request or a credential could be echoed
    try:
        bundled = cli("--profile", lab_profile.name, "check", "--step", "fleet.create", "--step", "design.zones",
                      "--bundle", str(exports / "bundles"))
    finally:
        the_lab.heal("region-5xx")
    assert bundled.exit_code != 0 and any((exports / "bundles").rglob("*")), bundled.output
    for fmt in ("md", "html", "json", "junit"):
        assert cli("--profile", lab_profile.name, "export", "--format", fmt, "-o",
                   str(exports / f"bundle-run.{fmt}")).exit_code == 0
    asyncio.run(screenshot_every_screen(lab_profile, shots))

    sent = [json.loads(line) for line in request_log.read_text()[log_offset:].splitlines() if line.strip()]
    # The region verifies every signature with the canary: its 200s prove the canary was in use.
    accepted = [r for r in sent if r["status"] == 200]
    assert len(accepted) > 20, "the session should have made many signed region calls with the canary"
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "drconsole"
    searched = [(paths.config_dir(), ()), (paths.state_dir(), ()), (exports, ()), (shots, ()),
                (lab_env.root, ()), (cache, ("src",))]  # the cache's src/ is Go's module and build cache
    assert not [root for root, _ in searched[:4] if not any(files_under(root))], "nothing written to search"
    needles = forms(canary)
    planted = tmp_path / "planted"
    planted.mkdir()
    (planted / "blob").write_bytes(b"\x00prefix" + needles[1] + b"suffix")
    assert leaks([(planted, ())], needles), "the search must find a planted canary"
    assert leaks(searched, needles) == []
    assert [i for i, out in enumerate(cli.outputs) if any(n.decode() in out for n in needles)] == []
