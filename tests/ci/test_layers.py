"""The README's layer map, held for every import in the production packages.

Imports run one way: ``connectors → store`` and ``app → schema → measure → campaigns → feedback →
loyalty, insights → store``. ``store`` imports only itself; ``loyalty`` and ``insights`` import ``store`` and neither
imports the other; ``campaigns`` uses both and never ``schema``, ``connectors`` or ``app``;
``schema`` never imports ``connectors`` or ``app``; ``sandbox`` imports nothing of
ours (it plays the platforms) and only the demo set-up (``app.demo``) imports it. Every import
counts: module level, inside functions, and under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import ast
import tomllib
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OURS = frozenset(
    {
        "store",
        "loyalty",
        "insights",
        "campaigns",
        "feedback",
        "measure",
        "schema",
        "connectors",
        "app",
        "sandbox",
        "migrations",
        "bench",
        "tests",
    }
)
ALLOWED: dict[str, frozenset[str]] = {
    "store": frozenset({"store"}),
    "loyalty": frozenset({"loyalty", "store"}),
    "insights": frozenset({"insights", "store"}),
    "feedback": frozenset({"feedback", "loyalty", "insights", "store"}),
    "campaigns": frozenset({"campaigns", "feedback", "loyalty", "insights", "store"}),
    "measure": frozenset({"measure", "campaigns", "feedback", "loyalty", "insights", "store"}),
    "schema": frozenset({"schema", "measure", "campaigns", "feedback", "loyalty", "insights", "store"}),
    "connectors": frozenset({"connectors", "store"}),
    "app": frozenset(
        {"app", "schema", "measure", "campaigns", "feedback", "loyalty", "insights", "store", "connectors"}
    ),
    "sandbox": frozenset({"sandbox"}),
}
SANDBOX_USERS = ("app.demo",)
"""The demo set-up loads the sandbox data set and serves its product pictures; nothing else may."""


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(root: Path, path: Path) -> Iterator[tuple[int, str]]:
    """(line, imported module) for every import in the file, relative ones resolved."""
    name = module_name(root, path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                yield node.lineno, ".".join([*base, *([node.module] if node.module else [])])
            elif node.module:
                yield node.lineno, node.module


def allowed(importer: str, imported: str) -> bool:
    layer, target = importer.split(".")[0], imported.split(".")[0]
    if target not in OURS:
        return True
    if target == "sandbox" and layer != "sandbox":
        return any(importer == user or importer.startswith(user + ".") for user in SANDBOX_USERS)
    return target in ALLOWED[layer]


def violations(root: Path) -> list[str]:
    """Each forbidden import as ``file:line: <importer> may not import <module>``."""
    found = []
    for layer in sorted(ALLOWED):
        for path in sorted((root / layer).rglob("*.py")):
            importer = module_name(root, path)
            for line, imported in imports_of(root, path):
                if not allowed(importer, imported):
                    where = path.relative_to(root)
                    found.append(
                        f"{where}:{line}: {importer} may not import {imported} ({layer} → {imported.split('.')[0]})"
                    )
    return found


def test_every_production_import_follows_the_layer_map() -> None:
    assert violations(ROOT) == []


def test_every_installed_package_has_a_place_on_the_map() -> None:
    """A new top-level package must join the map (migrations are generated, not a layer)."""
    include = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]["include"]
    assert {name.rstrip("*") for name in include} - {"migrations"} == set(ALLOWED)


def test_the_readme_states_the_same_map() -> None:
    readme = (ROOT / "README.md").read_text()
    assert (
        "Imports run one way: `connectors → store`, `app → schema → measure → campaigns → feedback → loyalty, insights → store`"
        in readme
    )


def test_the_checker_flags_planted_violations(tmp_path: Path) -> None:
    files = {
        "store/__init__.py": "",
        "store/models.py": "def load():\n    from app.settings import Settings\n    return Settings\n",
        "loyalty/__init__.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import insights.models\n",
        "insights/__init__.py": "from store import models\n",
        "insights/sub/__init__.py": "from .. import models\nfrom ..models import Profile\n",
        "schema/__init__.py": "import loyalty, connectors.core\n",
        "connectors/__init__.py": "from store.models import load\n",
        "sandbox/__init__.py": "from store import models\n",
        "app/__init__.py": "import numpy\nfrom schema import types\n",
        "app/http/__init__.py": "from sandbox.dataset import build\n",
        "app/demo/__init__.py": "from sandbox.dataset import build\n",
        "app/demo/seed.py": "import sandbox\nfrom . import run\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert violations(tmp_path) == [
        "app/http/__init__.py:1: app.http may not import sandbox.dataset (app → sandbox)",
        "loyalty/__init__.py:3: loyalty may not import insights.models (loyalty → insights)",
        "sandbox/__init__.py:1: sandbox may not import store (sandbox → store)",
        "schema/__init__.py:1: schema may not import connectors.core (schema → connectors)",
        "store/models.py:2: store.models may not import app.settings (store → app)",
    ]
