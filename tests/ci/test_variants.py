"""A skipped server or tool is named, with the command that enables it; never a silent skip."""

from __future__ import annotations

from collections import Counter

from tests.support.variants import ENABLE, variant_of, verdict


def test_a_missing_chromium_is_named_with_the_command_that_installs_it() -> None:
    line = verdict(Counter({variant_of("chromium is not installed (apt-get install chromium)"): 14}))
    assert line == f"skipped variants: browser tests (Chromium) (14 tests); enable them with: {ENABLE}"


def test_missing_servers_are_each_named() -> None:
    counts = Counter(
        variant_of(m)
        for m in (
            "PostgreSQL at 127.0.0.1:5432 is not reachable",
            "Redis at 127.0.0.1:6379 is not reachable",
            "node and npm are needed for axe-core@4",
        )
    )
    line = verdict(counts)
    assert "PostgreSQL (1 test)" in line and "arq/Redis job runner (1 test)" in line
    assert "npm tools" in line and line.endswith(ENABLE)


def test_a_run_with_every_tool_says_so() -> None:
    assert verdict(Counter({"other": 1})).startswith("skipped variants: none")


def test_missing_wordpress_parts_are_named_as_the_wordpress_plugin_tests() -> None:
    counts = Counter(
        variant_of(m)
        for m in (
            "the WordPress tests need php (apt-get install php-cli)",
            "the WordPress plugin's tests need phpunit (apt-get install phpunit)",
        )
    )
    assert verdict(counts).startswith(
        "skipped variants: WordPress plugin tests (PHP, WordPress, MariaDB, PHPUnit) (2 tests)"
    )
