"""Per-region facts used as profile defaults (from the ACK One fact sheet)."""

from __future__ import annotations

# OSS internal VIP ranges per region. All of a region's ranges must be routed: OSS moves VIPs within them.
OSS_VIP_RANGES: dict[str, list[str]] = {
    "cn-hangzhou": ["100.118.28.0/24", "100.114.102.0/24", "100.98.170.0/24", "100.118.31.0/24"],
    "cn-shanghai": ["100.98.35.0/24", "100.98.110.0/24", "100.98.169.0/24", "100.118.102.0/24"],
    "cn-qingdao": ["100.115.173.0/24", "100.99.113.0/24", "100.99.114.0/24", "100.99.115.0/24"],
    "cn-beijing": ["100.118.58.0/24", "100.118.167.0/24", "100.118.170.0/24", "100.118.171.0/24",
                   "100.118.172.0/24", "100.118.173.0/24"],
    "cn-nanjing": ["100.114.142.0/24"],
    "cn-fuzhou": ["100.115.21.0/24"],
    "cn-wuhan-lr": ["100.115.89.0/24"],
}

# Registry (ACR) private addresses documented for a region.
ACR_VIP_RANGES: dict[str, list[str]] = {
    "cn-hangzhou": ["100.103.9.188/32", "100.103.7.181/32"],
}

# The range cloud services use inside a VPC; the broad route when per-product ranges are too fine.
CLOUD_SERVICE_RANGE = "100.0.0.0/8"
# The on-premises network must not use this range (Express Connect limits).
RESERVED_RANGE = "100.64.0.0/10"

VBR_DEFAULT_ASN = 45104


def acr_personal_endpoint(region: str) -> str:
    return f"registry-vpc.{region}.aliyuncs.com"


def acr_enterprise_endpoint(instance: str, region: str) -> str:
    return f"{instance}-registry-vpc.{region}.cr.aliyuncs.com"


def oss_internal_endpoint(region: str) -> str:
    return f"oss-{region}-internal.aliyuncs.com"
