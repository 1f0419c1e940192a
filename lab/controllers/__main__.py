"""`python -m drconsole.lab.controllers run --lab-dir DIR [--mode M] [--lab-id ID] [--state S] [--timing T]`."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from pathlib import Path
from types import FrameType

from drconsole.lab.controllers.controller import HEARTBEAT, Controllers
from drconsole.lab.env import LabEnv
from drconsole.lab.timing import TIMING_NAMES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m drconsole.lab.controllers")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="reconcile the lab's planes until stopped")
    run.add_argument("--lab-dir", required=True, type=Path)
    run.add_argument("--mode", choices=("netns", "loopback"), default=LabEnv.default_mode())
    run.add_argument("--lab-id", default="")
    run.add_argument("--state", choices=("fresh", "built"), default="built")
    run.add_argument("--timing", choices=TIMING_NAMES, default="fast")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr)
    env = LabEnv(root=args.lab_dir, mode=args.mode, lab_id=args.lab_id, start_state=args.state,
                 timing_name=args.timing)
    stopping = False

    def on_term(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    Controllers(env).run(env.part_dir("controllers") / HEARTBEAT, stop=lambda: stopping)
    return 0


if __name__ == "__main__":
    sys.exit(main())
