"""`drconsole --help` vs `python -c pass` (target: at most 0.3 s over it). One run, one machine."""

from __future__ import annotations

import subprocess
import sys
import time

from common import line, median

RUNS = 15


def timed(argv: list[str]) -> float:
    samples = []
    for _ in range(RUNS):
        started = time.monotonic()
        subprocess.run(argv, stdout=subprocess.DEVNULL, check=True)
        samples.append(time.monotonic() - started)
    return median(samples)


def main() -> None:
    bare = timed([sys.executable, "-c", "pass"])
    helped = timed([sys.executable, "-m", "drconsole", "--help"])
    print(line("python -c pass (median of 15)", f"{bare * 1000:.0f} ms"))
    print(line("drconsole --help (median of 15)", f"{helped * 1000:.0f} ms"))
    print(line("difference", f"{(helped - bare) * 1000:.0f} ms", "target <= 300 ms", helped - bare <= 0.3))
    print(line("ratio", f"{helped / bare:.2f}x"))


if __name__ == "__main__":
    main()
