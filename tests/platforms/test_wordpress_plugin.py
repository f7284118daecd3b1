"""The WordPress plugin's files: valid PHP 8.2 (``php -l``), the request signing under PHPUnit
(Debian's ``phpunit``), every output escaped, and ``make plugin`` building the zip to upload."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from tests.support.servers import ROOT, unavailable

PLATFORM = ROOT / "platforms" / "wordpress"
PLUGIN = PLATFORM / "rapport"
PHP_FILES = sorted(PLUGIN.rglob("*.php")) + sorted((PLATFORM / "tests").rglob("*.php"))
ESCAPED = re.compile(r"\b(esc_html|esc_attr|esc_url|esc_html__|wp_kses|wp_nonce_field|submit_button)\b")


def need(tool: str, package: str) -> str:
    found = shutil.which(tool)
    if found is None:
        unavailable(f"the WordPress plugin's tests need {tool} (apt-get install {package})")
    return found or tool


@pytest.mark.parametrize("path", PHP_FILES, ids=lambda p: str(p.relative_to(PLATFORM)))
def test_every_php_file_parses_under_the_installed_php(path: Path) -> None:
    done = subprocess.run([need("php", "php-cli"), "-l", str(path)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_token_signing_passes_its_phpunit_tests() -> None:
    done = subprocess.run(
        [need("phpunit", "phpunit"), "--do-not-cache-result", str(PLATFORM / "tests")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-1000:]
    assert re.search(r"OK \(\d+ tests", done.stdout), done.stdout


def test_every_echo_in_the_plugin_prints_through_an_escaping_function() -> None:
    unescaped = [
        f"{path.name}:{n}: {line.strip()}"
        for path in PLUGIN.rglob("*.php")
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"\becho\b", line) and not ESCAPED.search(line)
    ]
    assert unescaped == []


def test_the_secret_is_stored_without_autoload_and_the_api_key_not_at_all() -> None:
    options = (PLUGIN / "includes" / "class-rapport-options.php").read_text()
    assert "update_option(self::SITE_SECRET, $site_secret, false)" in options
    assert (
        "rapport_api_key" not in options
        and "update_option" not in (PLUGIN / "includes" / "settings-page.php").read_text()
    )


def test_uninstall_removes_every_option_the_plugin_names() -> None:
    names = re.findall(
        r"public const \w+ = '(rapport_\w+)'", (PLUGIN / "includes" / "class-rapport-options.php").read_text()
    )
    uninstall = (PLUGIN / "uninstall.php").read_text()
    assert len(names) == 4 and all(f"'{name}'" in uninstall for name in names)
    assert "WP_UNINSTALL_PLUGIN" in uninstall and "_rapport_shopper_token" in uninstall


def test_make_plugin_builds_the_zip_a_merchant_uploads(tmp_path: Path) -> None:
    if shutil.which("make") is None:
        unavailable("make is not installed")
    done = subprocess.run(["make", "-s", "plugin"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(ROOT / "build" / "rapport-wordpress.zip") as archive:
        names = set(archive.namelist())
    assert {
        "rapport/rapport.php",
        "rapport/uninstall.php",
        "rapport/includes/class-rapport-signer.php",
        "rapport/assets/blocks.js",
    } <= names
    assert all(name.startswith("rapport/") for name in names) and not any("tests" in n for n in names)
