"""The namespace helpers drconsole's probes use."""

from __future__ import annotations

import os
import socket
import time
from typing import Any

import pytest

pytestmark = [pytest.mark.lab]


def test_socket_lives_in_the_namespace(net_lab: dict[str, Any]) -> None:
    from drconsole.lab.net.netns import socket_in_netns

    ns = net_lab["vantage_netns"]
    if ns is None:
        pytest.skip("loopback mode has no namespaces")
    inside = socket_in_netns(ns)
    with inside:
        inside.bind((net_lab["idc_host_ip"], 0))  # an address that exists only in `idc`
    with socket.socket() as outside, pytest.raises(OSError):
        outside.bind((net_lab["idc_host_ip"], 0))


def test_run_in_netns_returns_results_and_raises_errors(net_lab: dict[str, Any]) -> None:
    from drconsole.lab.net.netns import run_in_netns

    ns = net_lab["vantage_netns"]
    assert run_in_netns(ns, lambda: 42) == 42
    with pytest.raises(ZeroDivisionError):
        run_in_netns(ns, lambda: 1 / 0)
    if ns is None:
        return
    links = run_in_netns(ns, lambda: sorted(name for _, name in socket.if_nameindex()))
    assert "veth-idc" in links and "veth-idc" not in [n for _, n in socket.if_nameindex()]
    with pytest.raises(TimeoutError):
        run_in_netns(ns, lambda: time.sleep(1), timeout=0.1)


def test_missing_namespace_is_an_operator_error() -> None:
    from drconsole.errors import DrconsoleError
    from drconsole.lab.net.netns import socket_in_netns

    if os.geteuid() != 0:
        pytest.skip("needs root")
    with pytest.raises(DrconsoleError, match="does not exist"):
        socket_in_netns("drc-no-such-namespace")
