"""Every action, by name: importing the action modules registers them."""

from __future__ import annotations

import importlib

from drconsole.actions.base import ACTIONS, Action

MODULES = ("cloud_setup", "cen", "kube_setup", "beacon", "traffic", "capacity")


def load_all() -> dict[str, Action]:
    for module in MODULES:
        importlib.import_module(f"drconsole.actions.{module}")
    return ACTIONS
