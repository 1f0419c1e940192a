"""The hybrid topology as a small SVG, each part coloured by the health its checks report.

IDC — Express Connect — VBR — CEN — VPC — zone A / zone B — gateway. Used by the HTML export; plain SVG,
no external assets, readable when printed.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from drconsole import zones
from drconsole.results import CheckResult, Status, worst

COLOURS = {"pass": "#2e7d32", "warn": "#ef6c00", "fail": "#c62828", "error": "#6a1b9a", "unknown": "#757575"}

# node: (label, x, y, the check families that decide its colour, zone or None)
NODES: dict[str, tuple[str, int, int, tuple[str, ...], str | None]] = {
    "idc": ("Data center", 10, 60, ("dns", "routes"), None),
    "ec": ("Express Connect", 150, 60, ("bgp",), None),
    "vbr": ("VBR", 290, 60, ("bgp", "routes"), None),
    "cen": ("CEN", 430, 60, ("routes",), None),
    "vpc": ("VPC", 570, 60, ("topology", "endpoints", "fleet"), None),
    "zone-a": (zones.LABELS["a"], 710, 10, ("kube", "gitops", "gateway"), "a"),
    "zone-b": (zones.LABELS["b"], 710, 110, ("kube", "gitops", "registered", "gateway"), "b"),
    "gateway": ("MSE gateway", 850, 60, ("gateway",), None),
}
EDGES = [("idc", "ec"), ("ec", "vbr"), ("vbr", "cen"), ("cen", "vpc"), ("vpc", "zone-a"), ("vpc", "zone-b"),
         ("zone-a", "gateway"), ("zone-b", "gateway")]
BOX_W, BOX_H = 120, 40


def health(results: Iterable[CheckResult]) -> dict[str, str]:
    """The worst status among each node's checks ('unknown' when none ran)."""
    collected = list(results)
    verdict: dict[str, str] = {}
    for node, (_, _, _, families, zone) in NODES.items():
        seen = {r.status for r in collected if r.family in families and (zone is None or r.zone in (zone, None))
                and r.status is not Status.SKIPPED}
        found = worst(seen)
        verdict[node] = found.value if found else "unknown"
    return verdict


def topology_svg(results: Iterable[CheckResult]) -> str:
    colour_of = health(results)
    parts = ['<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 980 160" role="img" '
             'aria-label="Hybrid topology coloured by health" font-family="sans-serif" font-size="12">']
    for a, b in EDGES:
        ax, ay = NODES[a][1] + BOX_W, NODES[a][2] + BOX_H // 2
        bx, by = NODES[b][1], NODES[b][2] + BOX_H // 2
        parts.append(f'<line x1="{ax}" y1="{ay}" x2="{bx}" y2="{by}" stroke="#9e9e9e" stroke-width="2"/>')
    for node, (label, x, y, _, _) in NODES.items():
        state = colour_of[node]
        parts.append(
            f'<g class="node" data-node="{node}" data-health="{state}">'
            f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="6" fill="{COLOURS[state]}"/>'
            f'<text x="{x + BOX_W // 2}" y="{y + 18}" text-anchor="middle" fill="#fff">{escape(label)}</text>'
            f'<text x="{x + BOX_W // 2}" y="{y + 33}" text-anchor="middle" fill="#fff" font-size="10">'
            f'{escape(state)}</text></g>')
    parts.append("</svg>")
    return "".join(parts)
