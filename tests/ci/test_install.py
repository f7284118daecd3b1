"""`.ci/install.sh` asks apt only for what is missing, one package at a time.

The script runs on a PATH built for each case (links to this machine's real tools, minus the
ones the case leaves out) with ``APT_GET`` pointing at a recorder, so the case decides what is
"installed" without touching the machine.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / ".ci" / "install.sh"
TOOLS = (
    "ls",
    "node",
    "npm",
    "psql",
    "pg_ctlcluster",
    "redis-server",
    "redis-cli",
    "chromium",
    "mariadbd",
    "php",
    "phpunit",
)


def run_install(tmp_path: Path, present: set[str]) -> list[str]:
    """Run the script with only ``present`` tools on PATH (and WordPress when "wordpress" is
    among them); the apt-get calls it made, in order."""
    bin_dir, log, wordpress = tmp_path / "bin", tmp_path / "apt.log", tmp_path / "wordpress"
    bin_dir.mkdir()
    wordpress.mkdir()
    if "wordpress" in present:
        (wordpress / "wp-load.php").write_text("<?php\n")
        present = present - {"wordpress"}
    for tool in present:
        real = shutil.which(tool) or "/bin/true"
        (bin_dir / tool).symlink_to(real)
    recorder = tmp_path / "apt-get"
    recorder.write_text(f'#!/bin/sh\necho "$*" >> {log}\n')
    recorder.chmod(0o755)
    env = {"PATH": str(bin_dir), "APT_GET": str(recorder), "HOME": str(tmp_path), "WORDPRESS_DIR": str(wordpress)}
    done = subprocess.run(
        [shutil.which("bash") or "/bin/bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, done.stderr
    return log.read_text().splitlines() if log.exists() else []


@pytest.fixture(autouse=True)
def _needs_bash() -> None:
    if not shutil.which("bash"):
        pytest.skip("bash is not installed")


ALL = {*TOOLS, "wordpress"}


def test_a_machine_whose_nodejs_bundles_npm_gets_only_chromium(tmp_path: Path) -> None:
    calls = run_install(tmp_path, ALL - {"chromium"})
    assert calls == ["update -q", "install -y -q chromium"]


def test_npm_is_never_asked_for_when_npm_already_runs(tmp_path: Path) -> None:
    calls = run_install(tmp_path, ALL - {"chromium", "redis-server", "redis-cli"})
    assert not any(call.endswith(" npm") for call in calls)
    assert calls == ["update -q", "install -y -q redis-server", "install -y -q chromium"]


def test_a_bare_machine_gets_each_missing_package_in_its_own_install(tmp_path: Path) -> None:
    calls = run_install(tmp_path, {"ls"})
    assert calls == ["update -q"] + [
        f"install -y -q {package}"
        for package in (
            "postgresql",
            "redis-server",
            "nodejs",
            "npm",
            "chromium",
            "mariadb-server",
            "php-cli",
            "php-mysql",
            "wordpress",
            "phpunit",
        )
    ]


def test_a_complete_machine_runs_apt_not_at_all(tmp_path: Path) -> None:
    assert run_install(tmp_path, ALL) == []


def test_a_machine_without_the_wordpress_parts_gets_them_one_package_at_a_time(tmp_path: Path) -> None:
    calls = run_install(tmp_path, ALL - {"mariadbd", "php", "phpunit", "wordpress"})
    assert calls == ["update -q"] + [
        f"install -y -q {package}" for package in ("mariadb-server", "php-cli", "php-mysql", "wordpress", "phpunit")
    ]


def test_the_script_is_what_ci_runs_before_the_services_start() -> None:
    services = (SCRIPT.parent / "services.sh").read_text()
    assert 'install.sh"' in services.split("pg_lsclusters")[0]
    assert "apt-get install" not in services
    assert os.access(SCRIPT, os.R_OK)
