"""Resource IDs shaped like the cloud's, request IDs and timestamps."""

from __future__ import annotations

import secrets
import string
import time
import uuid

_ALNUM = string.ascii_lowercase + string.digits


def resource_id(prefix: str, length: int = 24) -> str:
    """`vpc-`, `vsw-`, `vbr-`, `bgpg-`, `bgp-`, `cen-`, `pc-`, `vtb-`, `gw-` + lower-case alphanumerics."""
    return f"{prefix}-" + "".join(secrets.choice(_ALNUM) for _ in range(length))


def cluster_id() -> str:
    """ACK and ACK One cluster IDs: `c` + 32 hex digits."""
    return "c" + secrets.token_hex(16)


def task_id() -> str:
    return "T-" + secrets.token_hex(12)


def request_id() -> str:
    return str(uuid.uuid4()).upper()


def iso(epoch: float) -> str:
    """`2024-05-01T08:00:00Z`, the cloud's UTC timestamp style."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def cs_time(epoch: float) -> str:
    """ACK's `created`/`updated` style: `2024-05-01T16:00:00+08:00`."""
    return time.strftime("%Y-%m-%dT%H:%M:%S+08:00", time.gmtime(epoch + 8 * 3600))
