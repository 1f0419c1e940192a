"""The private service endpoints at their VIPs: an ACR registry (`/v2/` answers 401 with a
Bearer challenge, like a registry without credentials) and OSS (403 AccessDenied XML).
Each service is its own nginx process so one can be stopped alone."""

from __future__ import annotations

from pathlib import Path

from drconsole.lab.net import nginx
from drconsole.lab.net.layout import NAMES, REGION, Layout
from drconsole.lab.net.tls import ensure_server_cert
from drconsole.lab.supervisor import Daemon

ACR_DAEMON = "net-nginx-acr"
OSS_DAEMON = "net-nginx-oss"

REGISTRY_CHALLENGE = (f'Bearer realm="https://dockerauth.{REGION}.aliyuncs.com/auth",'
                      f'service="registry.aliyuncs.com:{REGION}:26842"')
REGISTRY_UNAUTHORIZED = ('{"errors":[{"code":"UNAUTHORIZED",'
                         '"message":"authentication required","detail":null}]}')
REGISTRY_NOT_FOUND = '{"errors":[{"code":"NOT_FOUND","message":"not a registry API path","detail":null}]}'


def _acr_body(lay: Layout, cert: Path, key: Path) -> str:
    listens = "\n".join(f"    listen {ip}:{lay.acr_port} ssl;" for ip in (lay.acr_ip, lay.acr_ee_ip))
    return f"""\
  server {{
{listens}
    server_name _;
    ssl_certificate {cert};
    ssl_certificate_key {key};
    default_type application/json;
    location /v2/ {{
      add_header Docker-Distribution-Api-Version registry/2.0 always;
      add_header WWW-Authenticate '{REGISTRY_CHALLENGE}' always;
      return 401 '{REGISTRY_UNAUTHORIZED}\\n';
    }}
    location = /v2 {{ return 301 /v2/; }}
    location / {{ return 404 '{REGISTRY_NOT_FOUND}\\n'; }}
  }}"""


def _oss_body(lay: Layout, cert: Path, key: Path) -> str:
    xml = ('<?xml version="1.0" encoding="UTF-8"?>\\n<Error>\\n'
           '  <Code>AccessDenied</Code>\\n'
           '  <Message>Anonymous requests are not allowed on this bucket (drconsole lab).</Message>\\n'
           '  <RequestId>$request_id</RequestId>\\n'
           f'  <HostId>{NAMES["oss"]}</HostId>\\n</Error>\\n')
    return f"""\
  server {{
    listen {lay.oss_ip}:{lay.oss_https_port} ssl;
    listen {lay.oss_ip}:{lay.oss_http_port};
    server_name _;
    ssl_certificate {cert};
    ssl_certificate_key {key};
    default_type application/xml;
    location / {{
      add_header x-oss-request-id $request_id always;
      return 403 '{xml}';
    }}
  }}"""


def daemons(net_dir: Path, lay: Layout, netns: str | None) -> list[Daemon]:
    """Write both endpoint configs (and their certificates) and describe their processes."""
    acr_cert = ensure_server_cert(net_dir, "acr", [NAMES["acr"], NAMES["acr_ee"]], [lay.acr_ip, lay.acr_ee_ip])
    oss_cert = ensure_server_cert(net_dir, "oss", [NAMES["oss"]], [lay.oss_ip])
    acr_dir, oss_dir = net_dir / "acr", net_dir / "oss"
    acr_conf = nginx.write(acr_dir, _acr_body(lay, *acr_cert))
    oss_conf = nginx.write(oss_dir, _oss_body(lay, *oss_cert))
    return [nginx.daemon(ACR_DAEMON, acr_dir, acr_conf, netns),
            nginx.daemon(OSS_DAEMON, oss_dir, oss_conf, netns)]
