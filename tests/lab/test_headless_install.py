"""A newcomer's headless host: `pip install .` into a fresh virtualenv (no test extras, so no keyrings.alt)
and no keyring backend at all; `drconsole lab up` works, a sweep on the lab passes, `drconsole lab down`
stops it. The lab runs in a home of its own, so its ID and namespaces are its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.lab, pytest.mark.kube]
ROOT = Path(__file__).resolve().parents[2]


# A package install (a minute or two) and a full lab start: minutes on a loaded two-core machine.
@pytest.mark.timeout(1800)
def test_pip_install_then_lab_up_without_a_keyring(tmp_path: Path) -> None:
    from tests.fixtures.kube import require_kube_binaries

    require_kube_binaries()
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    installed = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", str(ROOT)], capture_output=True,
                               text=True, timeout=1200)
    assert installed.returncode == 0, installed.stderr
    listed = subprocess.run([str(venv / "bin" / "pip"), "list", "--format=json"], capture_output=True, text=True,
                            check=True, timeout=120)
    assert "keyrings.alt" not in {p["name"] for p in json.loads(listed.stdout)}

    home = tmp_path / "home"
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("XDG_", "DRCONSOLE_", "ALIBABA_CLOUD_", "PYTHON_KEYRING", "VIRTUAL_ENV"))}
    env.update({f"XDG_{kind}_HOME": str(home / kind.lower()) for kind in ("CONFIG", "STATE", "DATA")})
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"

    def drconsole(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(venv / "bin" / "drconsole"), *args], env=env, input=stdin, capture_output=True,
                              text=True, timeout=1200, cwd=tmp_path)

    try:
        up = drconsole("lab", "up")
        assert up.returncode == 0, up.stdout + up.stderr
        swept = drconsole("check", "--profile", "lab")
        if swept.returncode != 0:  # beside the session's own lab on two cores, a first sweep of a lab still
            swept = drconsole("check", "--profile", "lab")  # settling can outlast a check's timeout; not the next
        assert swept.returncode == 0, swept.stdout + swept.stderr
        # a secret someone types in is still kept only in a keyring: with none, it is refused, with the way out
        typed = drconsole("profile", "set-secret", "--profile", "lab", "--stdin", stdin="typed-in-secret\n")
        assert typed.returncode != 0 and "ALIBABA_CLOUD_ACCESS_KEY_SECRET" in typed.stderr, typed.stderr
    finally:
        down = drconsole("lab", "down")
    assert down.returncode == 0, down.stdout + down.stderr
    shown = json.loads(drconsole("lab", "status", "--json").stdout)
    assert shown["phase"] == "down" and not [c for c in shown["components"] if c["pid"]]
    assert Path(shown["dir"]).is_relative_to(home)
