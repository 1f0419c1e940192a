"""`drconsole setup`: the guided first-time setup (the console's wizard)."""

from __future__ import annotations

import click


@click.command()
def setup() -> None:
    """Build a profile step by step: credentials into the keyring, then pick Fleets, clusters, VBRs and
    CENs from the APIs, kube contexts from the kubeconfig, and the network facts; ends with a first sweep."""
    from drconsole.tui.app import run_wizard

    run_wizard()
