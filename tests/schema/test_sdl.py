"""The committed SDL files are what the code serves; a change to either without the other fails."""

from __future__ import annotations

from schema import sdl


def test_the_committed_sdl_matches_both_schemas():
    for path, schema in sdl.FILES.items():
        assert path.read_text() == sdl.render(schema), f"{path.name} drifted: run .venv/bin/python -m schema.sdl"


def test_the_storefront_sdl_has_no_admin_field_or_type():
    storefront = (sdl.HERE / "storefront.graphql").read_text()
    for admin_only in (
        "Merchant",
        "Profile",
        "ApiKey",
        "WebhookDelivery",
        "FailedJob",
        "publicKey",
        "lastError",
        "ClvPrediction",
        "churnBand",
        "Segment",
        "InsightsOverview",
        "splitProfile",
        "eraseProfile",
    ):
        assert admin_only not in storefront


def test_the_check_mode_reports_drift(tmp_path, monkeypatch, capsys):
    stale = tmp_path / "admin.graphql"
    stale.write_text("type Query { old: String }\n")
    monkeypatch.setattr(sdl, "FILES", {stale: sdl.FILES[sdl.HERE / "admin.graphql"]})
    assert sdl.main(["--check"]) == 1 and "admin.graphql differs" in capsys.readouterr().err
    assert sdl.main([]) == 0 and sdl.main(["--check"]) == 0
