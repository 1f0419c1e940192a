"""Site plugins: a package installed into this environment adds a check (with its own finding), an action
and, through the site config, a runbook; a plugin that fails to import is named with its error while the
rest still loads. The plugin is a real wheel installed with pip, and uninstalled afterwards."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

DIST = "drconsole-site-demo"
FILES = {
    "drcsite/__init__.py": "",
    "drcsite/checks.py": '''
        """A site's check: a file the site's procedure needs is present."""
        from pathlib import Path

        from pydantic import BaseModel, ConfigDict

        from drconsole.registry import check
        from drconsole.results import Evidence, Outcome


        class Params(BaseModel):
            model_config = ConfigDict(extra="forbid")
            path: str


        @check("site.file-present", family="site", title="The site's hand-over file is present")
        async def file_present(ctx: object, params: Params) -> Outcome:
            seen = Evidence(source="file", asked=params.path, answer=Path(params.path).exists())
            if seen.answer:
                return Outcome.passed(f"{params.path} is present", seen)
            return Outcome.failed("SITE-FILE-MISSING", f"{params.path} is missing", seen, path=params.path)
        ''',
    "drcsite/findings.yaml": '''
        SITE-FILE-MISSING:
          title: The site's hand-over file is missing
          severity: fail
          cause: nobody wrote {path} yet
          remedy: write the hand-over file, then check again
          fix_step: site.prepare
        ''',
    "drcsite/actions.py": '''
        """A site's read-only action."""
        from pydantic import BaseModel

        from drconsole.actions.base import Action, Plan, Result, Risk, action


        class NoParams(BaseModel):
            pass


        @action("site.announce", risk=Risk.READ, title="Announce the change in the site's channel", params=NoParams)
        class Announce(Action):
            def plan(self, actx, params):
                return self.new_plan(actx, "post the change's summary in the site's channel")

            def apply(self, actx, plan: Plan) -> Result:
                return Result("announced")
        ''',
    "drcsite/broken.py": 'raise ImportError("the site forgot to ship its vendor module")\n',
}
ENTRY_POINTS = """\
[drconsole.checks]
site = drcsite.checks
broken = drcsite.broken

[drconsole.actions]
site = drcsite.actions
"""
RUNBOOK = """\
id: site-handover
title: The site's hand-over
summary: A site runbook using a site check.
steps:
  - id: site.prepare
    title: Prepare the hand-over
    guide: Write the hand-over file.
    checks:
      - use: site.file-present
        id: handover
        with: {{path: "{path}"}}
    actions:
      - use: site.announce
"""
SCRIPT = """
import asyncio, json
from drconsole import engine, plugins, sweeps
from drconsole.context import Context
from drconsole.profile import Profile
from drconsole.registry import load_actions
from drconsole.runbooks.loader import available_runbooks, load_runbook

book = load_runbook("site-handover")
profile = Profile.model_validate({
    "name": "site", "cloud": {"region": "cn-hangzhou", "access_key_id": "LTAIdemo"},
    "network": {"vpc_id": "vpc-demo000001", "vpc_cidrs": ["192.168.0.0/16"], "idc_cidrs": ["10.10.0.0/16"],
                "bgp": {"idc_asn": 65001, "vbr_peer_ip": "10.0.0.1", "idc_peer_ip": "10.0.0.2"}},
    "clusters": {"fleet": {"context": "f"}, "ack": {"context": "a"}, "registered": {"context": "i"}},
    "gateway": {"host": "app.example.com"}})

async def sweep():
    ctx = Context(profile)
    try:
        return [r async for r in engine.sweep(ctx, sweeps.invocations(book))]
    finally:
        ctx.close()

print(json.dumps({
    "results": [[r.key, r.status.value, r.code, r.fix_step, r.remedy] for r in asyncio.run(sweep())],
    "broken": [[b.name, b.error] for b in plugins.broken()],
    "actions": sorted(load_actions()), "runbooks": sorted(available_runbooks())}))
"""


def _wheel(folder: Path) -> Path:
    wheel = folder / "drconsole_site_demo-0.1-py3-none-any.whl"
    info = "drconsole_site_demo-0.1.dist-info"
    files = {name: textwrap.dedent(text).lstrip() for name, text in FILES.items()}
    files[f"{info}/METADATA"] = f"Metadata-Version: 2.1\nName: {DIST}\nVersion: 0.1\n"
    files[f"{info}/WHEEL"] = ("Wheel-Version: 1.0\nGenerator: drconsole-tests\nRoot-Is-Purelib: true\n"
                              "Tag: py3-none-any\n")
    files[f"{info}/entry_points.txt"] = ENTRY_POINTS
    files[f"{info}/RECORD"] = "".join(f"{name},,\n" for name in [*files, f"{info}/RECORD"])
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return wheel


def _pip(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", "-q", *args], check=True,
                   timeout=300)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    _pip("install", "--no-deps", "--no-index", str(_wheel(tmp_path_factory.mktemp("wheel"))))
    try:
        yield
    finally:
        _pip("uninstall", "-y", DIST)


@pytest.fixture
def site(tmp_path: Path) -> dict[str, str]:
    """A site config naming a runbook folder, in a private config dir."""
    (tmp_path / "runbooks").mkdir()
    handover = tmp_path / "handover.txt"
    (tmp_path / "runbooks" / "site-handover.yaml").write_text(RUNBOOK.format(path=handover))
    (tmp_path / "config" / "drconsole").mkdir(parents=True)
    (tmp_path / "config" / "drconsole" / "site.toml").write_text(f'runbook_dirs = ["{tmp_path / "runbooks"}"]\n')
    return {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_STATE_HOME": str(tmp_path / "state"),
            "HANDOVER": str(handover)}


def _run(env: dict[str, str]) -> dict[str, list[object]]:
    done = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_a_site_plugin_runs_its_check_from_a_site_runbook(installed: None, site: dict[str, str]) -> None:
    seen = _run(site)
    assert "site-handover" in seen["runbooks"] and "zone-dr-hybrid" in seen["runbooks"]
    assert "site.announce" in seen["actions"] and "traffic.pin" in seen["actions"]
    [(key, status, code, fix_step, remedy)] = seen["results"]
    assert (key, status, code, fix_step) == ("site.prepare/handover", "fail", "SITE-FILE-MISSING", "site.prepare")
    assert remedy == "write the hand-over file, then check again"  # from the plugin's own catalogue
    Path(site["HANDOVER"]).write_text("done")
    [(_, status, code, _, _)] = _run(site)["results"]
    assert (status, code) == ("pass", None)


def test_a_plugin_that_fails_to_import_is_named_and_the_rest_still_loads(installed: None,
                                                                          site: dict[str, str]) -> None:
    seen = _run(site)
    assert seen["broken"] == [["broken", "ImportError: the site forgot to ship its vendor module"]]
    assert seen["results"]  # the site's good plugin still ran
    listed = subprocess.run([sys.executable, "-m", "drconsole", "runbook", "checks"], env=site, capture_output=True,
                            text=True, timeout=120)
    assert listed.returncode == 0 and "site.file-present\tsite" in listed.stdout and "bgp.open-probe" in listed.stdout
    assert "plugin 'broken' (drconsole.checks: drcsite.broken) did not load: ImportError" in listed.stderr
    explained = subprocess.run([sys.executable, "-m", "drconsole", "explain", "SITE-FILE-MISSING"], env=site,
                               capture_output=True, text=True, timeout=120)
    assert explained.returncode == 0 and explained.stdout.startswith("SITE-FILE-MISSING — ")


def test_a_bad_site_config_is_located(tmp_path: Path) -> None:
    from drconsole import plugins

    config = tmp_path / "drconsole" / "site.toml"
    config.parent.mkdir()
    config.write_text('runbook_dirs = ["nowhere"]\n')
    env = {"XDG_CONFIG_HOME": str(tmp_path)}
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        with pytest.raises(plugins.SiteError) as caught:
            plugins.runbook_dirs()
    assert caught.value.where == str(config) and "nowhere" in caught.value.message
