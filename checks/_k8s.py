"""Raw JSON reads from a cluster's API server for the checks, with an operator's words for every way
the read can fail (bad kubeconfig, rejected credentials, wrong CA, nothing listening, no answer)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from drconsole import deadline, sweepreads
from drconsole.errors import DrconsoleError
from drconsole.kube import rest_request
from drconsole.results import Evidence

if TYPE_CHECKING:
    from drconsole.context import ClusterRole, Context

READ_TIMEOUT = (1.5, 2.5)  # connect, read (seconds): below every kube check's timeout
LIST_CHUNK = 500  # items a page when a whole list is read (kubectl's default --chunk-size)
# A list that keeps going beyond this is refused, not read forever: 400 pages of 500 outnumber the largest cluster
# upstream Kubernetes supports (150,000 pods; "Considerations for large clusters").
MAX_LIST_PAGES = 400
AUTH_FIX = ("the kubeconfig's token or client certificate is expired, revoked or for another cluster; "
            "fetch a fresh kubeconfig for this context")
NOUNS = {"fleet": "the Fleet", "ack": "the ACK cluster", "registered": "the registered (on-premises) cluster"}


class KubeUnreachable(DrconsoleError):
    """A cluster's API server could not be asked; `kind` names why (config, auth, tls, refused, timeout, http)."""

    finding = "KUBE-API-UNREACHABLE"

    def __init__(self, message: str, *, kind: str, fix: str, where: str | None = None) -> None:
        super().__init__(message, where=where, fix=fix)
        self.kind = kind


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any
    ms: float


def noun(role: ClusterRole) -> str:
    return NOUNS[role]


def _client(ctx: Context, role: ClusterRole) -> Any:
    from drconsole.kube import KubeConfigError

    try:
        return ctx.kube(role)
    except KubeConfigError as exc:
        raise KubeUnreachable(f"{noun(role)}: {exc.message}", kind="config", where=exc.where,
                              fix=exc.fix or "correct the kubeconfig") from None


def _explain(role: ClusterRole, server: str, exc: BaseException) -> KubeUnreachable:
    """Turn a urllib3/ssl/socket failure into words: which part of the path broke and what to do."""
    text = f"{type(exc).__name__}: {exc}"
    reason = getattr(exc, "reason", None)
    if reason is not None:
        text += f" ({type(reason).__name__}: {reason})"
    lowered = text.lower()
    who = f"{noun(role)} API server {server}"
    if "certificate_verify_failed" in lowered or "certificate verify failed" in lowered:
        return KubeUnreachable(f"TLS verification of {who} failed: its certificate is not signed by the CA "
                               "in the kubeconfig", kind="tls",
                               fix="the kubeconfig's certificate-authority(-data) is wrong or stale; fetch a "
                                   "fresh kubeconfig for this cluster")
    if "ssl" in lowered or "tls" in lowered:
        return KubeUnreachable(f"TLS handshake with {who} failed ({_short(reason or exc)})", kind="tls",
                               fix="check the kubeconfig's CA and client certificate for this context")
    if "refused" in lowered:
        return KubeUnreachable(f"{who} refused the connection: nothing listens there", kind="refused",
                               fix="the API server is down or the kubeconfig's server address is wrong")
    if "timed out" in lowered or "timeout" in lowered:
        return KubeUnreachable(f"{who} did not answer in time (limits: {READ_TIMEOUT[0]:g} s to connect, "
                               f"{READ_TIMEOUT[1]:g} s to reply)",
                               kind="timeout",
                               fix="the path to the API server drops packets or the server hangs; check routes "
                                   "and security groups between here and the server")
    return KubeUnreachable(f"{who} could not be reached ({_short(reason or exc)})", kind="unreachable",
                           fix="check the server address in the kubeconfig and the network path to it")


def _short(value: object) -> str:
    text = str(value)
    return text if len(text) <= 160 else text[:157] + "..."


def _server(client: Any) -> str:
    return str(getattr(client.configuration, "host", "") or "?")


def request(ctx: Context, role: ClusterRole, path: str, method: str = "GET", payload: Any = None) -> Reply:
    """One call (blocking; run it through ctx.blocking). 2xx and 404 come back as a Reply; 401/403
    and other statuses raise KubeUnreachable in words. Within a sweep, checks GETting the same path of the
    same cluster share one read (drconsole.sweepreads)."""
    if method != "GET":
        return _send(ctx, role, path, method, payload)
    _client(ctx, role)  # set up under this check's own budget, not inside a read other checks wait on
    return sweepreads.shared(("kube", ctx.kube_context(role), path), lambda: _send(ctx, role, path, method, payload))


def _send(ctx: Context, role: ClusterRole, path: str, method: str, payload: Any) -> Reply:
    with deadline.setting_up():  # loading the kubernetes client is set-up, not a wait on the cluster
        from kubernetes.client.exceptions import ApiException

    client = _client(ctx, role)
    server = _server(client)
    header_params = {"Accept": "application/json, */*"}
    if payload is not None:
        header_params["Content-Type"] = "application/json"
    with deadline.setting_up():  # an exec plugin's expired token is fetched anew here: local set-up too
        method, url, headers, body = rest_request(client, method, path, header_params, payload)
    started = time.monotonic()
    try:
        answer = client.call_api(method, url, headers, body, _request_timeout=READ_TIMEOUT)
        raw = answer.read()
        status = answer.status
    except ApiException as exc:
        if not exc.status:  # the client reports TLS and connection failures as status 0
            raise _explain(role, server, exc) from None
        status, raw = exc.status, (exc.body or b"")
    except Exception as exc:  # urllib3 / ssl / socket errors
        raise _explain(role, server, exc) from None
    ms = round((time.monotonic() - started) * 1000, 1)
    refused = status_error(role, server, method, path, status, raw)
    if refused is not None:
        raise refused
    return Reply(status=status, body=_decode(raw), ms=ms)


def status_error(role: ClusterRole, server: str, method: str, path: str, status: int,
                 raw: bytes | str) -> KubeUnreachable | None:
    """What an answer of `status` (its body `raw`) means for the caller; None for 2xx and 404, which are answers."""
    if status == 404 or 200 <= status < 300:
        return None
    who = f"{noun(role)} API server {server}"
    message = _message(raw)
    if status == 401:
        return KubeUnreachable(f"{who} rejected the credentials (401 Unauthorized) for {method} {path}",
                               kind="auth", fix=AUTH_FIX)
    if status == 403 and "system:anonymous" in message:
        return KubeUnreachable(f"{who} did not accept the kubeconfig's credentials: it treated {method} {path} "
                               "as anonymous (403 for system:anonymous)", kind="auth", fix=AUTH_FIX)
    if status == 403:
        return KubeUnreachable(f"{who} refused {method} {path} (403 Forbidden): {_short(message)}", kind="forbidden",
                               fix="grant the kubeconfig's user read access to this resource")
    if status == 410 and _field(raw, "reason") == "Expired":
        return KubeUnreachable(f"{who} no longer holds the list {method} {path} continued from (410 Expired): "
                               f"{_short(message)}", kind="expired", fix="read the list again from its start")
    return KubeUnreachable(f"{who} answered HTTP {status} for {method} {path}: {_short(_text(raw))}", kind="http",
                           fix="read the API server's message; it may be starting or overloaded")


def _message(raw: bytes | str) -> str:
    body = _decode(raw)
    return str(body.get("message", "")) if isinstance(body, dict) else str(body)


def _field(raw: bytes | str, name: str) -> str:
    """A top-level field of a Status answer ("" when the answer is no JSON object or lacks it)."""
    body = _decode(raw)
    return str(body.get(name) or "") if isinstance(body, dict) else ""


async def get(ctx: Context, role: ClusterRole, path: str) -> tuple[Any, Evidence]:
    """The object at `path` (None for 404) and the evidence of the read."""
    reply = await ctx.blocking(request, ctx, role, path)
    found = reply.body if reply.status != 404 else None
    return found, Evidence(source=f"kube:{ctx.kube_context(role)}", asked=f"GET {path}",
                           answer=summarise(found) if reply.status != 404 else "404 Not Found", ms=reply.ms)


async def get_list(ctx: Context, role: ClusterRole, path: str,
                   chunk: int = LIST_CHUNK) -> tuple[list[dict[str, Any]], Evidence]:
    """Every item of the list at `path`, read in pages of `chunk` (the API server's limit/continue, as kubectl
    reads a large cluster), and one evidence for the whole read: which pages and how many items.
    A continue token can outlive the API server's history (etcd compaction, every 5 min by default): the server
    then answers 410 Expired, and the list is read again whole in one request, as client-go's pager does."""
    items: list[dict[str, Any]] = []
    token, pages, ms = "", 0, 0.0
    joiner = "&" if "?" in path else "?"
    while True:
        page = {"limit": chunk, **({"continue": token} if token else {})}
        try:
            reply = await ctx.blocking(request, ctx, role, f"{path}{joiner}{urlencode(page)}")
        except KubeUnreachable as exc:
            if exc.kind != "expired" or not token:
                raise
            whole, evidence = await get(ctx, role, path)
            items = (whole or {}).get("items") or []
            asked = f"GET {path} (whole, after {pages} page{'s' if pages > 1 else ''} of up to {chunk}: 410 Expired)"
            return items, Evidence(source=evidence.source, asked=asked, answer={"items": len(items)},
                                   ms=round(ms + evidence.ms, 1))
        pages, ms = pages + 1, ms + reply.ms
        body = reply.body if reply.status != 404 and isinstance(reply.body, dict) else {}
        items += body.get("items") or []
        token = str((body.get("metadata") or {}).get("continue") or "")
        if not token:
            break
        if pages >= MAX_LIST_PAGES:
            raise KubeUnreachable(f"{noun(role)} kept paging GET {path} beyond {MAX_LIST_PAGES} pages of {chunk}",
                                  kind="http", fix="the API server kept answering with a continue token; check its "
                                                   "health, and that no proxy in front of it drops the query")
    asked = f"GET {path} ({pages} page{'s' if pages > 1 else ''} of up to {chunk})"
    return items, Evidence(source=f"kube:{ctx.kube_context(role)}", asked=asked, answer={"items": len(items)},
                           ms=round(ms, 1))


def summarise(obj: Any) -> Any:
    """Drop bulky metadata (managedFields, last-applied) from an object or a list for the evidence."""
    if isinstance(obj, dict):
        meta = obj.get("metadata")
        if isinstance(meta, dict):
            meta = {k: v for k, v in meta.items() if k not in ("managedFields", "resourceVersion", "uid")}
            annotations = meta.get("annotations")
            if isinstance(annotations, dict):
                meta["annotations"] = {k: v for k, v in annotations.items()
                                       if k != "kubectl.kubernetes.io/last-applied-configuration"}
            obj = {**obj, "metadata": meta}
        if isinstance(obj.get("items"), list):
            obj = {**obj, "items": [summarise(item) for item in obj["items"]]}
    return obj


def _decode(raw: bytes | str) -> Any:
    text = _text(raw)
    try:
        return json.loads(text) if text else {}
    except ValueError:
        return text


def _text(raw: bytes | str) -> str:
    return raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw)
