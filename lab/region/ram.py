"""RAM for the lab's identity: with a policy attached, every call needs an Allow for its RAM action and no Deny.

A real account's RAM user or role carries policies ("Policy structure and syntax": Version "1", Statements of
Effect Allow/Deny, Action with `*` wildcards, Resource); with none attached the lab's identity may do
anything, as an account's own AccessKey may. Each call's RAM action is `<RAM code>:<API name>`, the RAM code
being the one each product's "RAM authorization" page gives (CEN's is `cen`, though its API product is
`cbn`). A refused call answers 403 `Forbidden.RAM` with an `AccessDeniedDetail` (the shape the SDK response
models and the SDK's error reader know; the lab fills AuthAction, AuthPrincipalType, NoPermissionType and
PolicyType, and leaves out the principal's name, owner and the encoded diagnostic, which it has no truthful value
for). Resources and Conditions are not modelled: the lab's statements apply to `*`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from drconsole.lab.env import replace_json
from drconsole.lab.region.wire import ApiError

POLICY_FILE = "ram-policy.json"
RAM_CODES = {"cs": "cs", "adcp": "adcp", "vpc": "vpc", "cbn": "cen", "mse": "mse"}
DENIED_MESSAGE = "User not authorized to operate on the specified resource, or this API doesn't support RAM."


def attach(region_dir: Path, policy: dict[str, Any] | None) -> None:
    """Attach `policy` to the lab's identity (None detaches it: the identity may do anything again)."""
    path = region_dir / POLICY_FILE
    if policy is None:
        path.unlink(missing_ok=True)
        return
    replace_json(path, policy)


def authorize(region_dir: Path, product: str, action: str, who: str) -> None:
    """Raise the cloud's 403 unless the attached policy (if any) allows `product`'s `action` and denies it not.
    `who` is the calling AccessKey ID; an `STS.` one is a role's session (AuthPrincipalType AssumedRoleUser)."""
    try:
        policy = json.loads((region_dir / POLICY_FILE).read_text())
    except FileNotFoundError:
        return
    wanted = f"{RAM_CODES.get(product, product)}:{action}"
    effects = {str(statement.get("Effect")) for statement in policy.get("Statement") or []
               if _matches(statement.get("Action"), wanted)}
    if "Allow" in effects and "Deny" not in effects:
        return
    raise ApiError(403, "Forbidden.RAM", DENIED_MESSAGE, detail={"AccessDeniedDetail": {
        "AuthAction": wanted, "AuthPrincipalType": "AssumedRoleUser" if who.startswith("STS.") else "SubUser",
        "NoPermissionType": "ExplicitDeny" if "Deny" in effects else "ImplicitDeny",
        "PolicyType": "AccountLevelIdentityBasedPolicy"}})


def _matches(patterns: Any, wanted: str) -> bool:
    """Whether one of a statement's actions names `wanted`; `*` stands for any run of characters (the only
    wildcard the policy syntax has). Case is compared as written: whether RAM ignores it is not documented."""
    listed = [patterns] if isinstance(patterns, str) else list(patterns or [])
    return any(re.fullmatch(".*".join(map(re.escape, str(pattern).split("*"))), wanted) for pattern in listed)
