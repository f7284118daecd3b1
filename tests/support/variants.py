"""What a test run could not exercise on this machine, said in one line.

A missing server or tool makes its tests skip outside CI (``servers.need_server`` and
``servers.unavailable``); a silent skip would read as a pass. Each pytest run names the skipped
variants and the one command that enables them, and ``python -m tests.support.variants`` repeats
the verdict of the SQLite and PostgreSQL runs as the last line of ``make test``.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

ENABLE = "sudo bash .ci/services.sh (installs and starts what is missing)"
CACHE = Path(__file__).resolve().parents[2] / ".pytest_cache" / "v" / "rapport"

# (substring of the skip message, the variant it stands for)
VARIANTS = (
    ("WordPress", "WordPress plugin tests (PHP, WordPress, MariaDB, PHPUnit)"),
    ("chromium", "browser tests (Chromium)"),
    ("node and npm", "npm tools (graphql-http, axe-core, graphql-inspector)"),
    ("PostgreSQL", "PostgreSQL"),
    ("Redis", "arq/Redis job runner"),
)


def variant_of(message: str) -> str:
    for needle, variant in VARIANTS:
        if needle.lower() in message.lower():
            return variant
    return "other"


def skipped_variants(reports: list) -> Counter[str]:
    """Skipped tests per variant, from pytest's skip reports."""
    counts: Counter[str] = Counter()
    for report in reports:
        longrepr = getattr(report, "longrepr", None)
        message = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)
        counts[variant_of(message)] += 1
    return counts


def verdict(counts: Counter[str] | dict[str, int]) -> str:
    tool_skips = {k: v for k, v in counts.items() if k != "other" and v}
    if not tool_skips:
        return "skipped variants: none (every server and tool the tests use was found)"
    listed = ", ".join(f"{variant} ({n} test{'s' if n != 1 else ''})" for variant, n in sorted(tool_skips.items()))
    return f"skipped variants: {listed}; enable them with: {ENABLE}"


def remember(backend: str, counts: Counter[str]) -> None:
    CACHE.mkdir(parents=True, exist_ok=True)
    (CACHE / f"variants-{backend}").write_text(json.dumps(dict(counts)))


def main() -> int:
    total: Counter[str] = Counter()
    for path in sorted(CACHE.glob("variants-*")):
        total.update(json.loads(path.read_text()))
    print(verdict(total))
    return 0


if __name__ == "__main__":
    sys.exit(main())
