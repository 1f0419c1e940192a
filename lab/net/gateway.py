"""The application gateway (the MSE multi-cluster gateway's stand-in) and its two zone backends.

Routing is data: a `Routing` is rendered into the gateway's nginx config, checked with
`nginx -t`, and loaded with SIGHUP; `current_routing` reads back what is in force. Zone keys
are "a" (the ACK cluster's zone) and "b" (the registered cluster's zone).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import re
import signal
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from drconsole.errors import LabError
from drconsole.lab.env import LabEnv
from drconsole.lab.net import nginx, zonepages
from drconsole.lab.net.layout import GATEWAY_STATUS_IP, NAMES, ZONES, Layout, layout
from drconsole.lab.net.probe import http_request
from drconsole.lab.net.tls import ensure_server_cert
from drconsole.lab.supervisor import Daemon

GATEWAY_DAEMON = "net-nginx-gateway"
ZONE_DAEMONS = {"a": "net-nginx-zone-a", "b": "net-nginx-zone-b"}
STATUS_PATH = "/generation"  # on the lab's control listener only (Layout.gateway_status_port): the routing in force


@dataclass
class Routing:
    """How the gateway routes the application host.

    weights: zone key -> weight; 0 (or absent) = not in the primary set.
    fallback: the zones the route falls back to once no weighted zone has ready endpoints. The controllers
      apply that fallback by planning a new route when the endpoints change (after the gateway's sync
      interval); the rendered route itself only ever sends to the weighted zones.
    header: (header name, value, zone): requests carrying that header value go to that zone.
    serve: False = no route for the host at all (404, like a gateway without rules).
    retry: (nginx proxy_next_upstream conditions, tries, timeout s; 0 = none) when the Ingress asks for
      retries (the proxy-next-upstream annotations); None = a failed request is not tried again.
    """

    weights: dict[str, int] = field(default_factory=dict)
    fallback: list[str] = field(default_factory=list)
    header: tuple[str, str, str] | None = None
    serve: bool = True
    retry: tuple[str, int, int] | None = None

    def validate(self) -> None:
        for zone in [*self.weights, *self.fallback, *([self.header[2]] if self.header else [])]:
            if zone not in ZONES:
                raise ValueError(f"unknown zone {zone!r}; zones are {sorted(ZONES)}")
        if any(w < 0 for w in self.weights.values()):
            raise ValueError("weights must not be negative")
        if self.serve and not self.primary and not self.fallback:
            raise ValueError("a served route needs a zone with weight > 0 or a fallback zone")
        if set(self.primary) & set(self.fallback):
            raise ValueError("a zone cannot be both weighted and fallback")
        if self.header and not re.fullmatch(r"[A-Za-z0-9-]+", self.header[0]):
            raise ValueError(f"bad header name {self.header[0]!r}")
        if self.header and not re.fullmatch(r"[\w.:/=+-]*", self.header[1]):
            raise ValueError(f"header value {self.header[1]!r} has characters the lab does not route on")
        if self.retry and not re.fullmatch(r"[a-z0-9_ ]+", self.retry[0]):
            raise ValueError(f"bad retry conditions {self.retry[0]!r}")

    @property
    def primary(self) -> dict[str, int]:
        return {zone: w for zone, w in sorted(self.weights.items()) if w > 0}

    @classmethod
    def initial(cls, start_state: str) -> Routing:
        if start_state == "fresh":
            return cls(weights={}, fallback=[], serve=False)
        return cls(weights={"a": 100}, fallback=["b"])

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        data["header"] = list(self.header) if self.header else None
        data["retry"] = list(self.retry) if self.retry else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Routing:
        header, retry = data.get("header"), data.get("retry")
        return cls(weights=dict(data.get("weights") or {}),  # type: ignore[call-overload]
                   fallback=list(data.get("fallback") or []),  # type: ignore[call-overload]
                   header=tuple(header) if header else None,  # type: ignore[arg-type]
                   serve=bool(data.get("serve", True)),
                   retry=tuple(retry) if retry else None)  # type: ignore[arg-type]


# -- files -----------------------------------------------------------------------

def _dir(env: LabEnv) -> Path:
    return env.part_dir("net") / "gateway"


def _state_path(env: LabEnv) -> Path:
    return _dir(env) / "routing.json"


def _load_state(env: LabEnv) -> tuple[Routing, int]:
    try:
        data = json.loads(_state_path(env).read_text())
        return Routing.from_json(data["routing"]), int(data["generation"])
    except (OSError, ValueError, KeyError, TypeError):
        return Routing.initial(env.start_state), 0


def current_routing(env: LabEnv) -> Routing:
    """The routing in force (the start state's routing before anything was applied)."""
    return _load_state(env)[0]


# -- rendering -------------------------------------------------------------------

def _server(lay: Layout, zone: str, extra: str = "") -> str:
    """max_fails=0: no passive ejection of a failing zone (the gateway has no outlier detection by default)."""
    address, port = lay.zone_backend(zone)
    return f"server {address}:{port} max_fails=0{extra};"


def _retry(routing: Routing) -> str:
    """No retry into another endpoint within one request unless the Ingress asks for it."""
    if routing.retry is None or routing.retry[1] <= 0:
        return "  proxy_next_upstream off;"
    conditions, tries, timeout = routing.retry
    return (f"  proxy_next_upstream {conditions};\n  proxy_next_upstream_tries {tries + 1};\n"
            f"  proxy_next_upstream_timeout {timeout}s;")


def _gateway_body(lay: Layout, routing: Routing, generation: int, cert: Path, key: Path) -> str:
    upstreams = "\n".join(f"  upstream zone_{zone} {{ {_server(lay, zone)} }}" for zone in sorted(ZONES))
    listens = (f"    listen {lay.gateway_ip}:{lay.gateway_http_port}{{default}};\n"
               f"    listen {lay.gateway_ip}:{lay.gateway_https_port} ssl{{default}};\n"
               f"    ssl_certificate {cert};\n    ssl_certificate_key {key};")
    # A host no rule routes: the stock 404 (docs/cloud-facts.md). The generation is on the control listener.
    default_server = f"""\
  server {{
{listens.format(default=" default_server")}
    server_name _;
    location / {{ return 404; }}
  }}
  server {{
    listen {GATEWAY_STATUS_IP}:{lay.gateway_status_port};
    location = {STATUS_PATH} {{ default_type application/json; return 200 '{{"generation":{generation}}}\\n'; }}
  }}"""
    if not routing.serve:
        return f"{upstreams}\n{default_server}"
    primary = routing.primary or {zone: 1 for zone in routing.fallback}
    app_servers = [_server(lay, zone, f" weight={weight}") for zone, weight in primary.items()]
    app_upstream = "  upstream app_route {\n" + "\n".join(f"    {s}" for s in app_servers) + "\n  }"
    target = "app_route"
    header_map = ""
    if routing.header:
        name, value, zone = routing.header
        variable = "$http_" + name.lower().replace("-", "_")
        header_map = f'  map {variable} $app_upstream {{ "{value}" zone_{zone}; default app_route; }}\n'
        target = "$app_upstream"
    return f"""\
  proxy_connect_timeout 1s;
  proxy_send_timeout 2s;
  proxy_read_timeout 2s;
{_retry(routing)}
{upstreams}
{app_upstream}
{header_map}{default_server}
  server {{
{listens.format(default="")}
    server_name {NAMES["gateway"]};
    location / {{
      proxy_pass http://{target};
      proxy_set_header Host $host;
    }}
  }}"""


def _zone_body(lay: Layout, zone: str, html: Path) -> str:
    """The zone's workloads: the files they publish (zonepages), and nothing else."""
    address, port = lay.zone_backend(zone)
    return f"""\
  server {{
    listen {address}:{port};
    default_type text/html;
    location / {{ root {html}; index index.html; }}
  }}"""


def _write_gateway(env: LabEnv, routing: Routing, generation: int, target: Path) -> Path:
    lay = layout(env)
    cert, key = ensure_server_cert(env.part_dir("net"), "gateway", [NAMES["gateway"]], [lay.gateway_ip])
    workdir = _dir(env)
    workdir.mkdir(parents=True, exist_ok=True)
    target.write_text(nginx.render(workdir, _gateway_body(lay, routing, generation, cert, key), master=True))
    return target


def daemons(env: LabEnv, netns: str | None) -> list[Daemon]:
    """Write the gateway's config (from the routing in force) and the zone backends' configs."""
    lay = layout(env)
    routing, generation = _load_state(env)
    gw_conf = _write_gateway(env, routing, generation, _dir(env) / "nginx.conf")
    result = [nginx.daemon(GATEWAY_DAEMON, _dir(env), gw_conf, netns)]
    for zone, name in ZONE_DAEMONS.items():
        workdir, html = zonepages.zone_dir(env, zone), zonepages.html_dir(env, zone)
        html.mkdir(parents=True, exist_ok=True)
        result.append(nginx.daemon(name, workdir, nginx.write(workdir, _zone_body(lay, zone, html)), netns))
    return result


# -- changing the routing ---------------------------------------------------------

def served_generation(env: LabEnv, netns: str | None) -> int | None:
    """The routing generation the running gateway serves, or None when it does not answer."""
    lay = layout(env)
    try:
        reply = http_request(netns, GATEWAY_STATUS_IP, lay.gateway_status_port, STATUS_PATH,
                             host=GATEWAY_STATUS_IP, timeout=1.0)
        return int(json.loads(reply.body)["generation"])
    except (OSError, ValueError, KeyError, TimeoutError):
        return None


def apply_routing(env: LabEnv, routing: Routing) -> None:
    """Render `routing`, check it with `nginx -t`, and load it into the running gateway (SIGHUP),
    waiting until the gateway serves it. Applying the routing already in force changes nothing."""
    try:
        routing.validate()
    except ValueError as exc:
        raise LabError(f"gateway routing refused: {exc}", fix="fix the routing and apply it again") from None
    # The lab controllers and a test (or `lab break`) may apply routing at the same moment from different
    # processes: one at a time, so the candidate file and the generation counter are never shared.
    with _routing_lock(env):
        _apply(env, routing)


@contextlib.contextmanager
def _routing_lock(env: LabEnv) -> Iterator[None]:
    with open(_dir(env) / "routing.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _apply(env: LabEnv, routing: Routing) -> None:
    import time

    netns = env.netns("vpc") if env.mode == "netns" else None
    current, generation = _load_state(env)
    running = env.supervisor.pid(GATEWAY_DAEMON) is not None
    if (current == routing and _state_path(env).exists()
            and (not running or served_generation(env, netns) == generation)):
        return
    generation += 1
    workdir = _dir(env)
    candidate = _write_gateway(env, routing, generation, workdir / "nginx.conf.new")
    nginx.validate(workdir, candidate, netns)
    candidate.replace(workdir / "nginx.conf")
    _state_path(env).write_text(json.dumps({"routing": routing.to_json(), "generation": generation}))
    if not env.supervisor.signal(GATEWAY_DAEMON, signal.SIGHUP):
        return
    master = env.supervisor.pid(GATEWAY_DAEMON)
    deadline = time.monotonic() + 5.0
    # Loaded once the new config answers and the old worker has left (it may still accept briefly).
    while served_generation(env, netns) != generation or (master and len(_children(master)) > 1):
        if time.monotonic() > deadline:
            raise LabError("the gateway did not load the new routing within 5 s",
                           where=str(env.supervisor.log_path(GATEWAY_DAEMON)),
                           fix="read the gateway log; `drconsole lab down` then `lab up` restarts it")
        time.sleep(0.05)


def _children(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
