"""Check the ACS3-HMAC-SHA256 signature of a request the way the cloud does.

The canonical request is rebuilt exactly as alibabacloud_tea_openapi (utils.get_authorization)
builds it: method, path, sorted query re-encoded with `quote(safe='~')`, the signed headers
(lower-cased, sorted, values stripped), the signed-header list and the payload hash.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote

ALGORITHM = "ACS3-HMAC-SHA256"


@dataclass(frozen=True)
class Authorization:
    access_key_id: str
    signed_headers: list[str]
    signature: str


def parse_authorization(value: str) -> Authorization | None:
    """`ACS3-HMAC-SHA256 Credential=<ak>,SignedHeaders=a;b,Signature=<hex>` -> its parts."""
    algorithm, _, rest = value.strip().partition(" ")
    if algorithm != ALGORITHM:
        return None
    parts = dict(item.split("=", 1) for item in rest.split(",") if "=" in item)
    if not {"Credential", "SignedHeaders", "Signature"} <= parts.keys():
        return None
    return Authorization(parts["Credential"], parts["SignedHeaders"].split(";"), parts["Signature"])


def canonical_query(query: Mapping[str, str]) -> str:
    return "&".join(f"{key}={quote(query[key], safe='~', encoding='utf-8')}" for key in sorted(query))


def canonical_request(method: str, path: str, query: Mapping[str, str], headers: Mapping[str, str],
                      signed_headers: list[str], payload_hash: str) -> str:
    lowered = {key.lower(): value for key, value in headers.items()}
    canon_headers = "".join(f"{name}:{lowered.get(name, '').strip()}\n" for name in sorted(signed_headers))
    return "\n".join([method, path or "/", canonical_query(query), canon_headers,
                      ";".join(sorted(signed_headers)), payload_hash])


def expected_signature(secret: str, request: str) -> str:
    digest = hashlib.sha256(request.encode("utf-8")).hexdigest()
    string_to_sign = f"{ALGORITHM}\n{digest}"
    return hmac.new(secret.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def signature_matches(secret: str, auth: Authorization, method: str, path: str, query: Mapping[str, str],
                      headers: Mapping[str, str], body: bytes) -> bool:
    """True when the signature is right and the body matches its declared hash."""
    declared = {key.lower(): value for key, value in headers.items()}.get("x-acs-content-sha256", "")
    if hashlib.sha256(body).hexdigest() != declared:
        return False
    request = canonical_request(method, path, query, headers, auth.signed_headers, declared)
    return hmac.compare_digest(expected_signature(secret, request), auth.signature)
