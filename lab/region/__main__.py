"""`python -m drconsole.lab.region serve --dir <region dir>`: run the region API in the foreground."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path

from drconsole.lab.region import reconcile
from drconsole.lab.region.config import SECRET_ENV, RegionConfig
from drconsole.lab.region.region import Region
from drconsole.lab.region.seed import seed
from drconsole.lab.region.server import RegionServer


def serve(region_dir: Path) -> int:
    secret = os.environ.pop(SECRET_ENV, "")
    if not secret:
        print(f"the AccessKey secret must come in the environment variable {SECRET_ENV}", file=sys.stderr)
        return 2
    config = RegionConfig.load(region_dir)
    region = Region(region_dir, config, secret)
    if region.store.empty:
        seed(region, config.start_state)
    server = RegionServer(region)
    stop = threading.Event()
    threading.Thread(target=reconcile.run_forever, args=(region, stop), daemon=True).start()

    def shutdown(signum: int, frame: object) -> None:
        stop.set()
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, shutdown)
    print(f"region API on 127.0.0.1:{config.port} ({config.start_state})", flush=True)
    server.serve_forever()
    server.server_close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m drconsole.lab.region")
    commands = parser.add_subparsers(dest="command", required=True)
    serve_cmd = commands.add_parser("serve", help="run the region API in the foreground")
    serve_cmd.add_argument("--dir", type=Path, required=True, help="the region part's directory")
    args = parser.parse_args(argv)
    return serve(args.dir)


if __name__ == "__main__":
    sys.exit(main())
