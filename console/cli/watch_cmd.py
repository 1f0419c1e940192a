"""`drconsole watch`: run the profile's read-only checks on a schedule, serve Prometheus metrics,
and send alerts on transitions (only the replica holding the Lease sends)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import click

from drconsole.cli.common import Options, pass_options, profile_option, selected_profile


@click.group(invoke_without_command=True)
@click.option("--metrics-port", type=click.IntRange(0, 65535), default=9479, show_default=True,
              help="Port of the /metrics endpoint (0: any free port, printed at start).")
@click.option("--metrics-address", default="127.0.0.1", show_default=True,
              help="Address to serve /metrics on (0.0.0.0 in a pod).")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Watch settings (default: <config dir>/watch/<profile>.toml if it exists).")
@click.option("--identity", help="This replica's name in the Lease (default: $POD_NAME or the host name).")
@click.option("--no-lease", is_flag=True, help="Do not elect through the Fleet's Lease: this watcher always leads.")
@profile_option
@pass_options
@click.pass_context
def watch(click_ctx: click.Context, options: Options, metrics_port: int, metrics_address: str,
          config_file: Path | None, identity: str | None, no_lease: bool) -> None:
    """Watch the profile's DR readiness continuously; never changes anything."""
    if click_ctx.invoked_subcommand is not None:
        return
    import asyncio
    import signal

    from prometheus_client import start_http_server

    from drconsole.watch.config import load_config
    from drconsole.watch.leader import Alone, Election, LeaseElection
    from drconsole.watch.metrics import WatchMetrics
    from drconsole.watch.runner import Watcher, default_identity
    from drconsole.watch.store import AlertStore, ConfigMapStore, MemoryStore

    profile = selected_profile(options)
    config = load_config(profile.name, config_file)
    me = identity or default_identity()
    metrics = WatchMetrics(profile.name, me)
    try:
        server, _ = start_http_server(metrics_port, metrics_address, registry=metrics.registry)
    except OSError as exc:
        from drconsole.errors import DrconsoleError

        raise DrconsoleError(f"cannot serve metrics on {metrics_address}:{metrics_port}: {exc.strerror}",
                             fix="pick another --metrics-port, or stop what listens there") from None
    url = f"http://{metrics_address}:{server.server_port}/metrics"
    click.echo(f"metrics: {url}")
    election: Election
    store: AlertStore
    if no_lease or not config.lease.enabled:
        election, store = Alone(me), MemoryStore()
    else:
        from drconsole.kube import api_client

        fleet = api_client(profile.clusters.kubeconfig, profile.clusters.fleet.context)
        name = config.lease_name(profile.name)
        election = LeaseElection(fleet, config.lease.namespace, name, me, config.lease.duration_s)
        store = ConfigMapStore(fleet, config.lease.namespace, f"{name}-alerts")
    watcher = Watcher(profile, config, election=election, store=store, identity=me, metrics=metrics,
                      say=lambda line: click.echo(line), metrics_url=url)
    families = ", ".join(f"{f} every {config.interval(f):g} s" for f in sorted(watcher.families))
    click.echo(f"watching {profile.name} as {me}: {families}; read-only")

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await watcher.run(stop)

    try:
        asyncio.run(main())
    finally:
        server.shutdown()
    click.echo("stopped")


@watch.command("set-token")
@click.argument("webhook")
@click.option("--part", type=click.Choice(["token", "secret"]), default="token", show_default=True,
              help="token: fills {token} in the webhook's URL; secret: DingTalk's signing secret.")
@profile_option
@pass_options
def set_token(options: Options, webhook: str, part: Literal["token", "secret"]) -> None:
    """Store a webhook's token or signing secret in the OS keyring (read from a hidden prompt or stdin)."""
    from drconsole.secrets import store_webhook_secret
    from drconsole.watch.config import load_config

    profile = selected_profile(options)
    names = [hook.name for hook in load_config(profile.name).alerts.webhooks]
    if webhook not in names:
        from drconsole.watch.config import WatchConfigError, config_path

        raise WatchConfigError(f"no webhook named {webhook!r}", where=str(config_path(profile.name)),
                               fix=f"add [[alerts.webhooks]] name = \"{webhook}\" first; known: "
                                   f"{', '.join(names) or '(none)'}")
    value = click.prompt(f"{webhook} {part}", hide_input=True).strip()
    store_webhook_secret(profile.name, webhook, part, value)
    click.echo(f"stored the {part} of webhook {webhook} in the OS keyring")


@watch.command("status")
@profile_option
@pass_options
def status(options: Options) -> None:
    """Show the watcher running for the profile on this host: leader, last sweep, open alerts."""
    import sys
    import time

    from drconsole.watch.status import read_status

    profile = selected_profile(options)
    found = read_status(profile.name)
    if found is None:
        click.echo(f"no watcher runs for {profile.name} on this host")
        sys.exit(1)
    ago = f"{time.time() - found.last_sweep:.0f} s ago" if found.last_sweep else "not yet"
    role = "leader" if found.leading else f"standby (leader: {found.holder or 'none'})"
    click.echo(f"{found.identity} (pid {found.pid}): {role}; last sweep {ago}; metrics {found.metrics_url}")
    for alert in found.open_alerts:
        click.echo(f"  open: {alert.code} {alert.fingerprint}: {alert.summary}")
