"""mypy on the production packages against a per-file error baseline that may only shrink.

store/ is held to --strict separately (`make check`); the other packages still carry errors from
before type checking was enforced. Each file may keep at most the errors the baseline records for
it, so new code cannot add any, and a file that drops below its figure should have the lower
figure recorded (`--update`, which never raises a count).

    .venv/bin/python .ci/typecheck.py            # check (exit 1 on a rise)
    .venv/bin/python .ci/typecheck.py --update   # record lower figures after fixing errors
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / ".ci" / "mypy-baseline.json"
_ERROR = re.compile(r"^(?P<file>[^:\s]+\.py):\d+(?::\d+)?: error: ")


@dataclass
class Verdict:
    """What the current counts say against the baseline."""

    rises: list[str] = field(default_factory=list)
    drops: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.rises


def count_errors(output: str) -> dict[str, int]:
    """Errors per file in mypy's output (notes do not count)."""
    counts: Counter[str] = Counter()
    for line in output.splitlines():
        match = _ERROR.match(line)
        if match:
            counts[match["file"]] += 1
    return dict(counts)


def _errors(count: int) -> str:
    return f"{count} error" if count == 1 else f"{count} errors"


def compare(counts: dict[str, int], baseline: dict[str, int]) -> Verdict:
    """A rise is a file with more errors than its baseline figure (0 for a file not in it)."""
    verdict = Verdict()
    for path in sorted(set(counts) | set(baseline)):
        now, allowed = counts.get(path, 0), baseline.get(path, 0)
        if now > allowed:
            where = f"baseline {allowed}" if path in baseline else "not in the baseline"
            verdict.rises.append(f"{path}: {_errors(now)} ({where})")
        elif now < allowed:
            verdict.drops.append(f"{path}: {_errors(now)} (baseline {allowed})")
    return verdict


def lowered(counts: dict[str, int], baseline: dict[str, int]) -> dict[str, int]:
    """The baseline with every figure that dropped lowered; files at zero leave it."""
    if not compare(counts, baseline).ok:
        raise ValueError("the baseline only shrinks: fix the new errors instead of recording them")
    return {path: counts[path] for path in sorted(baseline) if counts.get(path, 0) > 0}


def run_mypy() -> str:
    """mypy over the packages listed in pyproject.toml ([tool.mypy] files)."""
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-error-summary"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if done.returncode not in (0, 1):
        raise SystemExit(f"mypy failed to run (exit {done.returncode}):\n{done.stdout}{done.stderr}")
    return done.stdout


def load_baseline() -> dict[str, int]:
    if not BASELINE.exists():
        return {}
    data: dict[str, int] = json.loads(BASELINE.read_text())
    return data


def write_baseline(baseline: dict[str, int]) -> None:
    BASELINE.write_text(json.dumps(baseline, indent=1, sort_keys=True) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--update", action="store_true", help="record figures that dropped (never raises one)")
    parser.add_argument(
        "--record", action="store_true", help="record the current figures as they are, rises included (first set-up)"
    )
    args = parser.parse_args(argv)
    output = run_mypy()
    counts = count_errors(output)
    baseline = load_baseline()
    if args.record:
        write_baseline(dict(sorted(counts.items())))
        print(f"mypy baseline recorded: {sum(counts.values())} errors in {len(counts)} files")
        return 0
    verdict = compare(counts, baseline)
    if not verdict.ok:
        risen = {line.split(":", 1)[0] for line in verdict.rises}
        print("".join(line + "\n" for line in output.splitlines() if line.split(":", 1)[0] in risen), end="")
        print("mypy: more errors than the baseline (.ci/mypy-baseline.json) allows:")
        print("\n".join(f"  {line}" for line in verdict.rises))
        return 1
    if args.update:
        new = lowered(counts, baseline)
        write_baseline(new)
        print(f"mypy baseline lowered to {sum(new.values())} errors in {len(new)} files")
        return 0
    total = sum(counts.values())
    print(f"mypy: {total} errors in {len(counts)} files, none above the baseline ({sum(baseline.values())})")
    if verdict.drops:
        print("Fewer errors than the baseline records; run `.venv/bin/python .ci/typecheck.py --update` to keep them:")
        print("\n".join(f"  {line}" for line in verdict.drops))
    return 0


if __name__ == "__main__":
    sys.exit(main())
