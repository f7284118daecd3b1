"""``python -m sandbox.dataset [sample|master] [seed]``: build and print the counts."""

from __future__ import annotations

import json
import sys
import time

from .build import build_uncached, digest, summary


def main(argv: list[str]) -> int:
    source = argv[0] if argv else "sample"
    seed = int(argv[1]) if len(argv) > 1 else 7
    started = time.perf_counter()
    data = build_uncached(source, seed)
    elapsed = time.perf_counter() - started
    print(json.dumps(summary(data), indent=2))
    print(f"source={source} seed={seed} build={elapsed:.2f}s digest={digest(data)[:16]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
