"""The browser clients' GraphQL documents validate against the committed SDL within the limits.

graphql-inspector (an outside tool) reads every ``/* GraphQL */`` document in the widget's and
the dashboard's scripts and validates it against ``schema/storefront.graphql`` and
``schema/admin.graphql``, failing on unknown fields, wrong arguments, and operations deeper,
wider in aliases or longer in tokens than the servers accept. A planted mistake must fail too,
so a run that found no documents cannot pass.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from app.settings import Settings
from tests.support.servers import ROOT, npm_install

pytestmark = pytest.mark.slow

PACKAGES = ["@graphql-inspector/cli@7.0.0", "graphql@16.15.0"]
CLIENTS = {
    "storefront": sorted((ROOT / "app/static/widget").glob("*.js")),
    "admin": sorted(p for p in (ROOT / "app/static/dashboard").rglob("*.js") if "vendor" not in p.parts),
}
MARKER = re.compile(r"/\* GraphQL \*/\s*`")


@pytest.fixture(scope="module")
def inspector(tmp_path_factory) -> Path:
    return npm_install(tmp_path_factory.mktemp("inspector"), *PACKAGES) / ".bin" / "graphql-inspector"


def validate(inspector: Path, files: list[Path], schema: str) -> subprocess.CompletedProcess[str]:
    limits = Settings.model_fields
    return subprocess.run(
        [
            str(inspector),
            "validate",
            "{" + ",".join(str(f) for f in files) + "}" if len(files) > 1 else str(files[0]),
            str(ROOT / "schema" / f"{schema}.graphql"),
            "--maxDepth",
            str(limits["graphql_max_depth"].default),
            "--maxAliasCount",
            str(limits["graphql_max_aliases"].default),
            "--maxTokenCount",
            str(limits["graphql_max_tokens"].default),
            "--deprecated",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("schema", ["storefront", "admin"])
def test_every_client_document_is_valid_against_the_committed_sdl_within_the_limits(inspector, schema):
    files = CLIENTS[schema]
    documents = sum(len(MARKER.findall(f.read_text())) for f in files)
    assert documents >= 3, f"the {schema} clients hold only {documents} marked GraphQL documents"
    run = validate(inspector, files, schema)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-1000:]
    assert "invalid" not in run.stdout.lower(), run.stdout[-3000:]


@pytest.mark.parametrize("schema", ["storefront", "admin"])
def test_a_planted_unknown_field_fails_validation(inspector, schema, tmp_path):
    source = max(CLIENTS[schema], key=lambda f: len(MARKER.findall(f.read_text())))
    planted = tmp_path / source.name
    planted.write_text(MARKER.sub(lambda m: m.group(0) + "query Planted { noSuchField } ", source.read_text(), count=1))
    run = validate(inspector, [planted], schema)
    assert run.returncode != 0 and "noSuchField" in run.stdout, run.stdout[-2000:]
