"""`drconsole watch` as an operator meets it, without the lab: clear errors for bad settings, webhook
tokens into the keyring, and a real watcher process that serves /metrics, journals transitions,
writes its status for the console, and stops cleanly on SIGTERM."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from drconsole.journal import Journal
from drconsole.profile import parse_profile, save_profile
from drconsole.secrets import load_webhook_secret, store_secret
from drconsole.watch.config import config_path
from drconsole.watch.status import read_status

DEADLINE_S = 240


def drconsole(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "drconsole", *args], capture_output=True, text=True, timeout=120,
                          input=stdin, check=False)


def test_bad_settings_name_the_file_and_the_key(profile_text: str, tmp_path: Path) -> None:
    save_profile(parse_profile(profile_text, source="p.toml"))
    bad = tmp_path / "watch.toml"
    bad.write_text('interval_s = 60\n[[alerts.webhooks]]\nname = "oncall"\nkind = "pager"\nurl = "http://x"\n')
    done = drconsole("watch", "--profile", "prod-hz", "--config", str(bad), "--no-lease")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert str(bad) in done.stderr and "alerts.webhooks.0.kind" in done.stderr
    bad.write_text("interval_s = [")
    done = drconsole("watch", "--profile", "prod-hz", "--config", str(bad))
    assert done.returncode == 2 and "not valid TOML" in done.stderr


def test_set_token_stores_in_the_keyring_only(profile_text: str) -> None:
    save_profile(parse_profile(profile_text, source="p.toml"))
    unknown = drconsole("watch", "set-token", "oncall", "--profile", "prod-hz", stdin="tok\n")
    assert unknown.returncode == 2 and "no webhook named 'oncall'" in unknown.stderr
    config_path("prod-hz").parent.mkdir(parents=True, exist_ok=True)
    config_path("prod-hz").write_text('[[alerts.webhooks]]\nname = "oncall"\nkind = "dingtalk"\n'
                                      'url = "https://oapi.dingtalk.com/robot/send?access_token={token}"\n')
    done = drconsole("watch", "set-token", "oncall", "--part", "secret", "--profile", "prod-hz", stdin="SECxyz\n")
    assert done.returncode == 0, done.stderr
    assert load_webhook_secret("prod-hz", "oncall", "secret") == "SECxyz"
    assert "SECxyz" not in config_path("prod-hz").read_text() + done.stdout + done.stderr


def test_a_watcher_serves_metrics_journals_and_stops(profile_text: str, tmp_path: Path) -> None:
    # Nothing of the profile answers (API endpoints refuse, no kubeconfig): every check turns error, fail or
    # skipped, each a transition from nothing. No request leaves for the real cloud.
    refused = ", ".join(f'{product} = "127.0.0.1:9"' for product in ("cs", "adcp", "vpc", "cbn", "mse"))
    text = profile_text.replace("[network]", f'protocol = "http"\nendpoints = {{{refused}}}\n\n[network]')
    save_profile(parse_profile(text + f'\n[clusters]\nkubeconfig = "{tmp_path / "none"}"\n', source="p.toml"))
    store_secret("prod-hz", "LTAI5tExampleKeyId00", "not-a-real-secret")
    config = tmp_path / "watch.toml"
    config.write_text("interval_s = 3600\n")
    watcher = subprocess.Popen([sys.executable, "-m", "drconsole", "watch", "--profile", "prod-hz", "--no-lease",
                                "--config", str(config), "--metrics-address", "127.0.0.1", "--metrics-port", "0"],
                               stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        assert watcher.stdout is not None
        first = watcher.stdout.readline()
        assert first.startswith("metrics: http://127.0.0.1:"), first + (watcher.stderr.read() if watcher.stderr else "")
        url = first.split(" ", 1)[1].strip()
        status = None
        deadline = time.monotonic() + DEADLINE_S
        while time.monotonic() < deadline:
            status = read_status("prod-hz")
            if status is not None and status.last_sweep is not None:
                break
            time.sleep(0.5)
        assert status is not None and status.last_sweep is not None and status.leading
        assert status.metrics_url == url
        shown = drconsole("watch", "status", "--profile", "prod-hz")
        assert shown.returncode == 0 and str(watcher.pid) in shown.stdout and url in shown.stdout, shown.stderr
        text = urllib.request.urlopen(url, timeout=10).read().decode()
        families = {f.name: f for f in text_string_to_metric_families(text)}
        assert families["drconsole_watch_leader"].samples[0].value == 1
        assert families["drconsole_sweep_duration_seconds"].samples
        checks = {s.labels["key"] for s in families["drconsole_check_status"].samples}
        assert len(checks) > 20
    finally:
        watcher.send_signal(signal.SIGTERM)
        out, err = watcher.communicate(timeout=60)
    assert watcher.returncode == 0, err
    assert "stopped" in out and "Traceback" not in err
    journal = Journal.for_profile("prod-hz")
    try:
        [run] = [r for r in journal.runs() if r["kind"] == "watch"]
        recorded = journal.results(run["id"])
    finally:
        journal.close()
    assert run["outcome"] is not None
    assert recorded and all(r.status.value != "pass" for r in recorded)  # only transitions, none for a first pass
    assert len({r.key for r in recorded}) == len(recorded)  # one sweep: one transition per check at most
    assert json.loads(Path(read_status_path()).read_text())["pid"] == watcher.pid


def read_status_path() -> str:
    from drconsole.watch.status import status_path

    return str(status_path("prod-hz"))
