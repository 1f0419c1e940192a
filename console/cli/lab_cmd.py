"""`drconsole lab`: the local lab — a small hybrid cloud of real parts on this machine."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING

import click

from drconsole.app.labstart import open_env

if TYPE_CHECKING:
    from drconsole.profile import Profile


def ensure_lab() -> Profile:
    """Bring the lab up if it is not running, write its profile, and return it."""
    from drconsole.lab.lab import Lab
    from drconsole.lab.profile import write_lab_profile

    env = open_env()
    lab_ = Lab(env)
    if lab_.state().phase != "up":
        click.echo("starting the lab ...", err=True)
        lab_.up()
    return write_lab_profile(env)


@click.group()
def lab() -> None:
    """The local lab: BGP, DNS, endpoints, gateway, three kube-apiservers and a region API, on this machine."""


@lab.command()
@click.option("--state", "start_state", type=click.Choice(["fresh", "built"]), default=None,
              help="fresh: only what exists before the procedure; built: everything done (default).")
@click.option("--mode", type=click.Choice(["netns", "loopback"]), default=None,
              help="netns (root: namespaces and real routes) or loopback (no root). Default: by privilege.")
@click.option("--timing", type=click.Choice(["fast", "real"]), default=None,
              help="real: a real account's latencies and transition times; fast: the same events scaled down "
                   "(default, and what the tests use).")
def up(start_state: str | None, mode: str | None, timing: str | None) -> None:
    """Start the lab (idempotent) and write the `lab` profile.

    A lab that runs in another start state, or only partly, is stopped and started again in the one asked
    for; a part that fails to start stops the lab again and the error names it.
    """
    from drconsole.lab.lab import Lab
    from drconsole.lab.profile import write_lab_profile

    env = open_env(start_state, mode, timing)
    started = time.monotonic()
    facts = Lab(env).up()
    profile = write_lab_profile(env)
    click.echo(f"lab up ({env.mode} mode, {env.start_state}, {env.timing_name} timing) in "
               f"{time.monotonic() - started:.1f} s; profile {profile.name!r} written. Open it with `drconsole --lab`.")
    delay = (facts.get("net") or {}).get("link_delay") or {}
    if not delay.get("applied", True):
        click.echo(f"note: the Express Connect link is not delayed ({delay['one_way_ms']:g} ms asked): {delay['why']}")


@lab.command()
def down() -> None:
    """Stop every lab process, remove its namespaces and clear its world.

    The next `drconsole lab up` starts from nothing.
    """
    from drconsole.lab.lab import Lab

    Lab(open_env()).down()
    click.echo("lab down")


@lab.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def status(as_json: bool) -> None:
    """Each lab part: up, down or broken, with PID and address."""
    from dataclasses import asdict

    from drconsole.lab.lab import Lab

    env = open_env()
    lab_ = Lab(env)
    components, state = lab_.status(), lab_.state()
    broken = sorted(env.broken())
    if as_json:
        click.echo(json.dumps({"lab_id": env.lab_id, "dir": str(env.root), "mode": env.mode, "phase": state.phase,
                               "start_state": state.start_state, "timing": env.timing_name, "broken": broken,
                               "components": [asdict(c) for c in components]}, indent=2))
        return
    started = f", started {state.start_state}, {env.timing_name} timing" if state.start_state else ""
    click.echo(f"lab {env.lab_id} at {env.root}: {state.phase} ({env.mode} mode{started})")
    if state.phase == "partly up":
        click.echo("  `drconsole lab up` starts what is missing; `drconsole lab down` stops it all")
    for c in components:
        colour = {"up": "green", "down": "red", "broken": "yellow"}[c.state]
        click.echo(f"{c.part:<12} {c.name:<22} " + click.style(f"{c.state:<7}", fg=colour)
                   + f" {c.pid or '-':>7}  {c.address}  {c.detail}".rstrip())
    if broken:
        click.echo("faults in force: " + ", ".join(broken))


@lab.command("break")
@click.argument("part")
def break_(part: str) -> None:
    """Inject a fault (e.g. bgp, link, dns, zone-a, region-throttle). `drconsole lab faults` lists them."""
    from drconsole.lab.lab import Lab

    Lab(open_env()).break_(part)
    click.echo(f"broke {part}")


@lab.command()
@click.argument("part")
def heal(part: str) -> None:
    """Undo a fault and wait until the part is healthy again."""
    from drconsole.lab.lab import Lab

    Lab(open_env()).heal(part)
    click.echo(f"healed {part}")


@lab.command()
def faults() -> None:
    """List the faults the lab can inject."""
    from drconsole.lab.lab import Lab

    for name, fault in sorted(Lab(open_env()).faults().items()):
        click.echo(f"{name:<16} {fault.description}")


@lab.command("install-kube")
def install_kube() -> None:
    """Build (or find) kube-apiserver and etcd for the lab; a no-op when they are there."""
    from drconsole.lab.kube.build import ensure_binaries

    binaries = ensure_binaries(progress=click.echo)
    click.echo(f"kube-apiserver: {binaries.kube_apiserver}\netcd: {binaries.etcd}")
