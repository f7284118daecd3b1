"""``python -m sandbox.dataset [sample|master] [seed] [--scale N] [--ends YYYY-MM-DD]``: build
and print the counts, the time it took and the peak memory (RSS) of the process.

With ``--scale N`` (2..99) the scaled merchant is streamed once, record by record (people,
customers, products, orders), and counted as it goes: the figures are those of making it, not
of holding it.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from datetime import date

from .build import build_uncached, digest, summary
from .scale import MAX_SCALE, scaled
from .shift import days_to_end_on, shifted


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m sandbox.dataset", description=__doc__)
    parser.add_argument("source", nargs="?", default="sample", choices=("sample", "master"))
    parser.add_argument("seed", nargs="?", default=7, type=int)
    parser.add_argument("--scale", default=1, type=int, help=f"times the people and orders (1..{MAX_SCALE})")
    parser.add_argument("--ends", type=date.fromisoformat, help="move the history so its last order is on this day")
    return parser


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    if not 1 <= args.scale <= MAX_SCALE:
        _parser().error(f"--scale must be 1..{MAX_SCALE}, got {args.scale}")
    started = time.perf_counter()
    try:
        tail = _run(args)
    except ValueError as exc:  # ends before the history's last day
        _parser().error(str(exc))
    elapsed = time.perf_counter() - started
    print(
        f"source={args.source} seed={args.seed} scale={args.scale} build={elapsed:.2f}s "
        f"peak_rss={_peak_rss_mib():.0f}MiB {tail}"
    )
    return 0


def _run(args: argparse.Namespace) -> str:
    if args.scale == 1:
        data = build_uncached(args.source, args.seed)
        if args.ends is not None:
            data = shifted(data, days_to_end_on(data, args.ends))
        print(json.dumps(summary(data), indent=2))
        return f"digest={digest(data)[:16]}"
    big = scaled(args.source, args.seed, args.scale, args.ends)
    print(json.dumps(big.counts(), indent=2, default=str))
    return f"days_shifted={big.days_shifted}"


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
