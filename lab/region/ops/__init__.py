"""The emulated operations, one module per product; importing this package registers them all."""

from drconsole.lab.region.ops import adcp, cbn, cloud_services, cs, cs_nodepools, mse, transit, vpc
from drconsole.lab.region.ops.registry import ROA_ROUTES, RPC_HANDLERS, Operation

__all__ = ["ROA_ROUTES", "RPC_HANDLERS", "Operation", "adcp", "cbn", "cloud_services", "cs", "cs_nodepools", "mse",
           "transit", "vpc"]
