"""`drconsole fleet`: the lock and the shared record on the Fleet, and the RBAC manifest to apply there."""

from __future__ import annotations

import sys

import click

from drconsole.cli.common import Options, pass_options, profile_option, selected_profile


@click.group()
def fleet() -> None:
    """Coordination with other consoles through the Fleet."""


@fleet.command()
@click.option("--limit", default=10, show_default=True, help="How many of the other consoles' entries to show.")
@profile_option
@pass_options
def status(options: Options, limit: int) -> None:
    """Who you are on the Fleet, who holds the lock, the others' latest entries; publishes what is pending."""
    from drconsole.context import Context
    from drconsole.coordination.fleet import FleetError
    from drconsole.coordination.identity import resolve
    from drconsole.coordination.lease import Leases
    from drconsole.coordination.record import Outbox, SharedRecord
    from drconsole.coordination.run import LOCK_NAME
    from drconsole.journal import Journal

    profile = selected_profile(options)
    settings = profile.coordination
    ctx = Context(profile)
    journal = Journal.for_profile(profile.name)
    try:
        who = resolve(ctx)
        click.echo(f"you are {who.holder} ({who.user}, from the {who.source})")
        api = ctx.kube("fleet")
        record = SharedRecord(api, Outbox(journal, profile.name, who), namespace=settings.namespace)
        published = record.publish_pending()
        others = record.fetch()
        click.echo(record.link.describe() + (f"; published {published} pending entries" if published else ""))
        try:
            lock = Leases(api, settings.namespace).read(LOCK_NAME)
            click.echo(f"lock: {lock.describe()}" if lock and not lock.expired() else "lock: free")
        except FleetError as exc:
            click.echo(f"lock: unknown ({exc.message})")
        for entry in reversed(others[-limit:]):
            click.echo(f"  {entry.describe()}")
    finally:
        journal.close()
        ctx.close()
    sys.exit(1 if record.link.online is False else 0)


@fleet.command()
@click.option("--gateway-namespace", default=None, help="Where the traffic Role goes (default: the profile's).")
@profile_option
@pass_options
def rbac(options: Options, gateway_namespace: str | None) -> None:
    """Print the namespace and Roles to apply on the Fleet (kubectl apply -f -)."""
    import yaml

    from drconsole.coordination.rbac import manifests

    namespace = gateway_namespace or selected_profile(options).gateway.namespace
    click.echo(yaml.safe_dump_all(manifests(namespace), sort_keys=False), nl=False)
