"""Shared helpers for the action tests: run the CLI in-process, read the journal, count writes."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

WRITE_VERBS = {"APPLY", "PATCH", "POST", "PUT", "DELETE"}
# The sections after [network] that the hand-written test profiles share (the lab's peering and contexts).
PROFILE_TAIL = """
[network.bgp]
idc_asn = 65001
vbr_peer_ip = "10.200.0.1"
idc_peer_ip = "10.200.0.2"
[clusters.fleet]
context = "fleet"
[clusters.ack]
context = "ack"
[clusters.registered]
context = "idc"
[gateway]
host = "app.example.com"
"""


def drconsole(*args: str) -> Result:
    from drconsole.cli.main import cli

    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    print(result.output)
    return result


def journal_events(profile: str, run_id: int | None = None) -> list[dict[str, Any]]:
    from drconsole.journal import Journal

    journal = Journal.for_profile(profile)
    try:
        return journal.action_events(run_id=run_id)
    finally:
        journal.close()


def run_id_of(output: str) -> int:
    match = re.search(r"^run (\d+):", output, re.M)
    assert match, output
    return int(match.group(1))


def region_log(facts: dict[str, Any]) -> list[dict[str, Any]]:
    path = Path(facts["region"]["request_log"])
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def kube_writes(kubeconfig: str, context: str, resources: set[str]) -> dict[str, float]:
    """apiserver_request_total for writes (any dry-run) to `resources` (main resource, not status)."""
    from kubernetes import config

    api = config.new_client_from_config(config_file=kubeconfig, context=context)
    try:
        reply = api.call_api("GET", api.configuration.host + "/metrics", {"Accept": "text/plain"},
                             _request_timeout=(2, 10))
        text = reply.read().decode()
    finally:
        api.close()
    counts: dict[str, float] = {}
    for line in text.splitlines():
        if not line.startswith("apiserver_request_total{"):
            continue
        labels = dict(re.findall(r'(\w+)="([^"]*)"', line))
        if labels.get("verb") in WRITE_VERBS and labels.get("resource") in resources and not labels.get("subresource"):
            key = f"{labels['verb']} {labels['resource']} dry_run={labels.get('dry_run', '')}"
            counts[key] = counts.get(key, 0.0) + float(line.rsplit(" ", 1)[1])
    return counts


def writes_between(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {k: v - before.get(k, 0.0) for k, v in after.items() if v - before.get(k, 0.0) > 0}
