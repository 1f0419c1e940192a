"""The RAM permissions drconsole documents are the ones its code uses: the catalogue against every call site in
console/ and checks/ (both ways) and the SDKs' own operations; the policies it prints; and what a call RAM
refuses says to grant."""

from __future__ import annotations

import ast
import importlib
import itertools
import json
import re
from pathlib import Path
from typing import get_args

from click.testing import CliRunner

from drconsole.cli.main import cli
from drconsole.cloud import SDK_MODULES, CloudError
from drconsole.profile import Product
from drconsole.ram import CALLS, RAM_CODES, actions, policy, ram_action
from drconsole.sweepreads import is_read

ROOT = Path(__file__).resolve().parents[2]
API_NAME = re.compile(r"[A-Z][A-Za-z0-9]+")


def operations(product: str) -> set[str]:
    """The API names the product's SDK client offers (its methods, without case or underscores)."""
    client = importlib.import_module(f"{SDK_MODULES[product]}.client").Client
    return {name.replace("_", "").lower() for name in dir(client) if not name.startswith("_")}


def called_in_code() -> set[tuple[str, str]]:
    """(product, API) pairs written side by side in a call's arguments or a tuple, anywhere in console/ and
    checks/, that name an operation of that product's SDK."""
    found = set()
    for folder in ("console", "checks"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                parts = node.args if isinstance(node, ast.Call) else node.elts if isinstance(node, ast.Tuple) else []
                for first, second in itertools.pairwise(parts):
                    if isinstance(first, ast.Constant) and first.value in SDK_MODULES \
                            and isinstance(second, ast.Constant) and isinstance(second.value, str) \
                            and API_NAME.fullmatch(second.value) \
                            and second.value.lower() in operations(first.value):
                        found.add((first.value, second.value))
    return found


def test_the_catalogue_is_every_api_the_code_calls_and_nothing_else() -> None:
    catalogued = {(product, action) for product, names in CALLS.items() for action in names}
    assert catalogued == called_in_code()
    for product, action in catalogued:
        assert action.lower() in operations(product), f"{product}:{action} is no operation of its SDK"


def test_every_product_has_its_ram_code() -> None:
    assert set(RAM_CODES) == set(get_args(Product)) == set(CALLS)
    assert ram_action("cbn", "ListTransitRouters") == "cen:ListTransitRouters"


def test_the_read_only_policy_holds_the_reads_and_the_full_one_everything() -> None:
    every = {ram_action(product, action) for product, names in CALLS.items() for action in names}
    reads = {name for name in every if is_read(name.split(":", 1)[1])}
    assert set(actions(writes=False)) == reads and set(actions(writes=True)) == every
    assert reads and every - reads  # the split means something: checks read, actions also write
    printed = CliRunner().invoke(cli, ["profile", "ram-policy", "--read-only"])
    assert printed.exit_code == 0, printed.output
    assert json.loads(printed.output) == policy(writes=False)
    statement = policy(writes=True)["Statement"][0]
    assert (statement["Effect"], statement["Resource"]) == ("Allow", "*")


def test_a_refused_call_names_the_ram_action_to_grant() -> None:
    plain = CloudError("cbn", "ListTransitRouters", "Forbidden.RAM", "not authorized", "REQ", 403)
    assert plain.fix and "cen:ListTransitRouters" in plain.fix and "ram-policy" in plain.fix
    # The cloud's own AccessDeniedDetail names the action when it differs from the API's.
    named = CloudError("cs", "DescribeClusterDetail", "NoPermission", "denied", "REQ", 403,
                       {"AuthAction": "cs:GetClusters", "NoPermissionType": "ImplicitDeny"})
    assert named.fix and "cs:GetClusters" in named.fix and "cs:DescribeClusterDetail" not in named.fix
    explicit = CloudError("vpc", "DescribeVpcs", "Forbidden.RAM", "denied", "REQ", 403,
                          {"AuthAction": "vpc:DescribeVpcs", "NoPermissionType": "ExplicitDeny"})
    assert explicit.fix and "vpc:DescribeVpcs" in explicit.fix and "Deny" in explicit.fix
    # A not-found that borrows the Forbidden prefix is not a permission problem.
    missing = CloudError("vpc", "DescribeVpcs", "Forbidden.InstanceNotFound", "no such", "REQ", 404)
    assert missing.fix and "ram" not in missing.fix.lower()
