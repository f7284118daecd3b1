"""Settings read from the environment mean what an operator wrote."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.settings import SettingsError, load_settings
from tests.support.servers import SECRET


@pytest.mark.parametrize(
    "written, meant",
    [("false", False), ("FALSE", False), ("0", False), ("no", False), ("true", True), ("1", True), ("on", True)],
)
def test_woocommerce_tls_verification_can_be_switched_off_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, written: str, meant: bool
) -> None:
    monkeypatch.setenv("WOOCOMMERCE_VERIFY_TLS", written)
    assert load_settings(secret_key=SECRET).woocommerce_verify_tls is meant


def test_a_ca_bundle_path_is_kept_as_a_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    monkeypatch.setenv("WOOCOMMERCE_VERIFY_TLS", str(bundle))
    assert load_settings(secret_key=SECRET).woocommerce_verify_tls == str(bundle)


def test_a_word_that_is_neither_a_boolean_nor_a_file_is_a_one_line_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WOOCOMMERCE_VERIFY_TLS", "nope")
    with pytest.raises(SettingsError, match=r"^bad setting WOOCOMMERCE_VERIFY_TLS: must be true, false"):
        load_settings(secret_key=SECRET)
