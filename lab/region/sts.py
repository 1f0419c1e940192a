"""Temporary credentials, as STS AssumeRole hands them out: an AccessKey ID that begins `STS.`, its secret, and
a security token that every call made with them must carry (the SDK sends it as `x-acs-security-token`, among
the signed headers). The lab's pair is derived from the lab's own secret, so it needs no file of its own; it
stands for an operator who has already assumed a role."""

from __future__ import annotations

import base64
import hashlib
import hmac

ACCESS_KEY_ID = "STS.NTDrLabTemporaryKey01"
TOKEN_HEADER = "x-acs-security-token"


def temporary(lab_secret: str) -> tuple[str, str]:
    """(AccessKey secret, security token) of the lab's temporary credentials."""
    secret = hmac.new(lab_secret.encode(), b"sts secret", hashlib.sha256).digest()
    token = hmac.new(lab_secret.encode(), b"sts token", hashlib.sha256).digest() * 8  # tokens run to hundreds of bytes
    return base64.b32encode(secret).decode().rstrip("="), base64.b64encode(token).decode()
