"""The AccessKey secret lives only in the OS keyring (service `drconsole`) or the operator's own
Alibaba Cloud credential chain. Nothing here ever writes a secret to a file of ours."""

from __future__ import annotations

from typing import Literal

from drconsole.errors import SecretError

SERVICE = "drconsole"

NO_BACKEND_FIX = (
    "install a keyring backend (a desktop Secret Service, or `pip install keyrings.alt` for a headless "
    "machine), or leave the secret out of drconsole and use the Alibaba Cloud credential chain: "
    "ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET or ~/.alibabacloud/credentials"
)


def keyring_user(profile: str, access_key_id: str) -> str:
    return f"{profile}/{access_key_id}"


def store_secret(profile: str, access_key_id: str, secret: str) -> None:
    import keyring
    from keyring.errors import KeyringError

    if not secret:
        raise SecretError("the AccessKey secret is empty", fix="paste the secret of the AccessKey pair")
    try:
        keyring.set_password(SERVICE, keyring_user(profile, access_key_id), secret)
    except KeyringError as exc:
        raise SecretError(f"the OS keyring refused to store the secret ({type(exc).__name__})",
                          fix=NO_BACKEND_FIX) from None


def load_secret(profile: str, access_key_id: str) -> str | None:
    """The stored secret, or None when there is none. Raises SecretError when no keyring works."""
    import keyring
    from keyring.errors import KeyringError

    try:
        return keyring.get_password(SERVICE, keyring_user(profile, access_key_id))
    except KeyringError as exc:
        raise SecretError(f"no usable OS keyring ({type(exc).__name__})", fix=NO_BACKEND_FIX) from None


def delete_secret(profile: str, access_key_id: str) -> None:
    import keyring
    from keyring.errors import KeyringError, PasswordDeleteError

    try:
        keyring.delete_password(SERVICE, keyring_user(profile, access_key_id))
    except PasswordDeleteError:
        pass
    except KeyringError as exc:
        raise SecretError(f"no usable OS keyring ({type(exc).__name__})", fix=NO_BACKEND_FIX) from None


def mask(text: str, *secrets: str | None) -> str:
    """Replace every occurrence of each secret in `text` with a fixed mask."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "********")
    return text


# -- webhook tokens (`drconsole watch set-token`) ----------------------------------------------------
WebhookPart = Literal["token", "secret"]  # token: fills the URL's {token}; secret: DingTalk's signing secret


def webhook_user(profile: str, webhook: str, part: WebhookPart) -> str:
    return f"{profile}/webhook/{webhook}/{part}"


def store_webhook_secret(profile: str, webhook: str, part: WebhookPart, value: str) -> None:
    import keyring
    from keyring.errors import KeyringError

    if not value:
        raise SecretError(f"the webhook {part} is empty", fix=f"paste the {part} the receiver gave you")
    try:
        keyring.set_password(SERVICE, webhook_user(profile, webhook, part), value)
    except KeyringError as exc:
        raise SecretError(f"the OS keyring refused to store the webhook {part} ({type(exc).__name__})",
                          fix=NO_BACKEND_FIX) from None


def load_webhook_secret(profile: str, webhook: str, part: WebhookPart) -> str | None:
    import keyring
    from keyring.errors import KeyringError

    try:
        return keyring.get_password(SERVICE, webhook_user(profile, webhook, part))
    except KeyringError as exc:
        raise SecretError(f"no usable OS keyring ({type(exc).__name__})", fix=NO_BACKEND_FIX) from None
