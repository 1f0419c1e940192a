"""The region's HTTP front: signature check, faults in force, dispatch, answers and the request log."""

from __future__ import annotations

import json
import sys
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, unquote_plus, urlsplit

from drconsole.lab.region import idempotency, ids, ram, signature, sts
from drconsole.lab.region.ops import ROA_ROUTES, RPC_HANDLERS, Operation
from drconsole.lab.region.ops.adcp import sync_fleet_detach_fault
from drconsole.lab.region.ops.registry import VERSIONS
from drconsole.lab.region.region import Region
from drconsole.lab.region.wire import ApiError, Params

HEALTH_PATH = "/-/lab/health"
SLOW_SECONDS = 5.0
LOST = 0  # the request log's status for an answer the region dropped (fault `region-lost-response`)
THROTTLE_RETRY_AFTER_MS = 1000
# A signed request is accepted only within this many seconds of the gateway's clock (its `x-acs-date`).
TIMESTAMP_WINDOW_S = 15 * 60
# Fault `clock-skew`: the caller's clock is this far behind the region's (beyond the window).
CLOCK_SKEW_S = 20 * 60
SECRET_PARAMS = ("AuthKey", "access_key_secret", "AccessKeySecret", "Password", "password", "SecurityToken")
FAULT_ERRORS = {
    "region-throttle": ApiError(400, "Throttling.User", "Request was denied due to user flow control.",
                                {"x-acs-retry-after": str(THROTTLE_RETRY_AFTER_MS)}),
    "region-5xx": ApiError(503, "ServiceUnavailable", "The request has failed due to a temporary failure of the "
                           "server."),
}


def _check_timestamp(signed_at: str, now: float) -> None:
    """Refuse a request signed (`x-acs-date`, ISO 8601 UTC) outside the window around the region's clock `now`."""
    try:
        sent = datetime.strptime(signed_at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()
    except ValueError:
        return  # no date to judge: the signature check has already covered what was signed
    if abs(now - sent) > TIMESTAMP_WINDOW_S:
        raise ApiError(400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.")


def parse_query(raw: str, *, form: bool = False) -> dict[str, str]:
    """Query or form pairs. The SDK percent-encodes queries; a form body follows
    application/x-www-form-urlencoded, where `+` stands for a space."""
    decode = unquote_plus if form else unquote
    pairs = {}
    for item in raw.split("&"):
        if item:
            key, _, value = item.partition("=")
            pairs[decode(key)] = decode(value)
    return pairs


class RequestLog:
    """`requests.jsonl`: one line per request; secret parameters masked, no signature."""

    def __init__(self, region: Region) -> None:
        self.path = region.dir / "requests.jsonl"
        self.path.touch()  # the lab's facts name it; readers may open it before the first request
        self._lock = threading.Lock()

    def write(self, record: dict[str, Any]) -> None:
        line = json.dumps(record, sort_keys=True)
        with self._lock, open(self.path, "a") as log:
            log.write(line + "\n")


def masked(params: Params, secret: str) -> dict[str, Any]:
    shown: dict[str, Any] = {**params.body, **params.values}
    for key in list(shown):
        if key in SECRET_PARAMS or (secret and secret in str(shown[key])):
            shown[key] = "********"
    return shown


class Handler(BaseHTTPRequestHandler):
    server: RegionServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are separate writes: no 40 ms delayed-ACK stall
    _answer_due = 0.0  # monotonic time the current request's answer may leave (the health check's: at once)

    def log_message(self, format: str, *args: Any) -> None:  # the JSONL log says it all
        pass

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def _handle(self) -> None:
        region = self.server.region
        request_id = ids.request_id()
        started, arrived = time.time(), time.monotonic()
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        split = urlsplit(self.path)
        if split.path == HEALTH_PATH:
            self._send(200, {"status": "ok"}, request_id)
            return
        # the answer leaves one regional round trip after the request came (drconsole.lab.timing); like the
        # endpoint's, the region's own handling is part of that time rather than added to it
        self._answer_due = arrived + self.server.latency_s
        query = parse_query(split.query)
        headers = {key.lower(): value for key, value in self.headers.items()}
        action, version = headers.get("x-acs-action", ""), headers.get("x-acs-version", "")
        product = VERSIONS.get(version, "")
        operation: Operation | None = None
        params = Params(dict(query))
        status = 200
        try:
            who = self._authenticate(region, split.path, query, headers, body)
            operation, params = self._route(product, action, self.command, split.path, query, headers, body)
            ram.authorize(region.dir, product, operation.action, who)
            sync_fleet_detach_fault(region)
            flags = region.flags()
            if "region-slow" in flags:
                time.sleep(SLOW_SECONDS)
            for fault, error in FAULT_ERRORS.items():
                if fault in flags:
                    raise error
            token = idempotency.token_of(operation, params)
            answer = idempotency.replay(region, operation, token) if token else None
            created = answer is None and operation.action.startswith("Create")
            if answer is None:
                answer = operation.handler(region, params)
                if token:
                    idempotency.remember(region, operation, token, answer)
            if created and "region-lost-response" in flags:
                self._wait_for_answer_due()
                status = LOST
                self.close_connection = True  # committed, but the caller never hears the answer
            else:
                self._send(200, self._with_request_id(product, answer, request_id), request_id)
        except ApiError as error:
            status = error.status
            self._send_error(product, error, request_id)
        except Exception as exc:  # a bug of ours answers like the cloud's internal error
            status = 500
            print(f"{request_id}: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
            self._send_error(product, ApiError(500, "InternalError", "The request processing has failed due to "
                                               "some unknown error, exception or failure."), request_id)
        self.server.log.write({
            "time": ids.iso(started), "epoch": round(started, 3), "product": product, "action": action,
            "version": version, "method": self.command, "path": split.path,
            "mutating": bool(operation and operation.mutating), "params": masked(params, region.secret),
            "status": status, "request_id": request_id, "ms": round((time.time() - started) * 1000, 1),
        })

    def _authenticate(self, region: Region, path: str, query: dict[str, str], headers: dict[str, str],
                      body: bytes) -> str:
        """The AccessKey ID that signed the request, once its signature (and STS token) hold."""
        auth = signature.parse_authorization(headers.get("authorization", ""))
        if auth is None:
            raise ApiError(400, "IncompleteSignature", "The request signature does not conform to Aliyun standards.")
        if auth.access_key_id == region.config.access_key_id:
            secret = region.secret
        elif auth.access_key_id == sts.ACCESS_KEY_ID:
            secret, token = sts.temporary(region.secret)
            given = headers.get(sts.TOKEN_HEADER)
            if not given:
                raise ApiError(400, "MissingSecurityToken", "SecurityToken is mandatory for this action.")
            if given != token or sts.TOKEN_HEADER not in auth.signed_headers:
                raise ApiError(400, "InvalidSecurityToken.MismatchWithAccessKey",
                               "Specified SecurityToken mismatch with the AccessKey.")
        else:
            raise ApiError(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
        if not signature.signature_matches(secret, auth, self.command, path, query, headers, body):
            raise ApiError(400, "SignatureDoesNotMatch",
                           "Specified signature is not matched with our calculation.")
        skew = CLOCK_SKEW_S if "clock-skew" in region.flags() else 0.0
        _check_timestamp(headers.get("x-acs-date", ""), time.time() + skew)
        return auth.access_key_id

    @staticmethod
    def _route(product: str, action: str, method: str, path: str, query: dict[str, str],
               headers: dict[str, str], body: bytes) -> tuple[Operation, Params]:
        content_type = headers.get("content-type", "")
        if product == "cs":
            json_body = json.loads(body) if body and content_type.startswith("application/json") else {}
            for route_method, pattern, operation in ROA_ROUTES:
                match = pattern.match(path)
                if match and route_method == method and operation.action == action:
                    return operation, Params({**query, **match.groupdict()}, json_body)
            raise ApiError(404, "InvalidAction.NotFound", f"Specified api {action} is not found.")
        operation = RPC_HANDLERS.get((product, action))
        if operation is None:
            raise ApiError(404, "InvalidAction.NotFound",
                           "Specified api is not found, please check your url and method.")
        is_form = content_type.startswith("application/x-www-form-urlencoded")
        form = parse_query(body.decode(), form=True) if is_form else {}
        return operation, Params({**query, **form})

    @staticmethod
    def _with_request_id(product: str, answer: dict[str, Any], request_id: str) -> dict[str, Any]:
        if product == "cs":  # ROA answers carry `request_id` only where the model has it
            return {**answer, "request_id": request_id} if "request_id" in answer else answer
        return {**answer, "RequestId": request_id}

    def _send_error(self, product: str, error: ApiError, request_id: str) -> None:
        roa = product == "cs" and error.code not in ("SignatureDoesNotMatch", "InvalidAccessKeyId.NotFound",
                                                     "IncompleteSignature")
        body = ({"code": error.code, "message": error.message, "requestId": request_id, "status": error.status}
                if roa else {"Code": error.code, "Message": error.message, "RequestId": request_id,
                             "HostId": self.headers.get("host", "")})
        self._send(error.status, {**body, **error.detail}, request_id, error.headers)

    def _wait_for_answer_due(self) -> None:
        time.sleep(max(0.0, self._answer_due - time.monotonic()))

    def _send(self, status: int, payload: dict[str, Any], request_id: str,
              extra: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self._wait_for_answer_due()
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-acs-request-id", request_id)
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)


class RegionServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # a sweep opens tens of connections at once

    def __init__(self, region: Region) -> None:
        super().__init__(("127.0.0.1", region.config.port), Handler)
        self.region = region
        self.latency_s = region.env.timing.region_latency_s  # each request's own thread waits it out
        self.log = RequestLog(region)
