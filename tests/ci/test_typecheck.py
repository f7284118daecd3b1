"""The mypy baseline only shrinks: `.ci/typecheck.py` fails on any rise and records only drops.

The comparison runs on synthetic counts; mypy itself is not run here.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / ".ci" / "typecheck.py"


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ci_typecheck", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


typecheck = load_script()
BASELINE = {"app/cli.py": 2, "schema/admin.py": 5}


def test_counts_are_errors_per_file_and_notes_do_not_count() -> None:
    output = "\n".join(
        [
            'app/cli.py:12: error: Argument 1 to "set" has incompatible type  [arg-type]',
            "app/cli.py:12: note: Possible overload variants:",
            'app/cli.py:40:7: error: Name "x" is not defined  [name-defined]',
            "schema/admin.py:54: error: Incompatible types in assignment  [assignment]",
            "Found 3 errors in 2 files (checked 9 source files)",
        ]
    )
    assert typecheck.count_errors(output) == {"app/cli.py": 2, "schema/admin.py": 1}


def test_the_same_counts_pass() -> None:
    verdict = typecheck.compare(dict(BASELINE), BASELINE)
    assert verdict.ok and not verdict.drops


def test_a_planted_extra_error_fails_naming_the_file() -> None:
    verdict = typecheck.compare({"app/cli.py": 3, "schema/admin.py": 5}, BASELINE)
    assert not verdict.ok
    assert verdict.rises == ["app/cli.py: 3 errors (baseline 2)"]


def test_errors_in_a_file_not_in_the_baseline_fail() -> None:
    verdict = typecheck.compare({**BASELINE, "store/people.py": 1}, BASELINE)
    assert verdict.rises == ["store/people.py: 1 error (not in the baseline)"]


def test_a_drop_passes_and_is_reported() -> None:
    verdict = typecheck.compare({"app/cli.py": 1}, BASELINE)
    assert verdict.ok
    assert verdict.drops == ["app/cli.py: 1 error (baseline 2)", "schema/admin.py: 0 errors (baseline 5)"]


def test_update_records_lower_figures_and_drops_clean_files() -> None:
    assert typecheck.lowered({"app/cli.py": 1}, BASELINE) == {"app/cli.py": 1}


def test_update_refuses_to_raise_a_count() -> None:
    with pytest.raises(ValueError, match="only shrinks"):
        typecheck.lowered({"app/cli.py": 3, "schema/admin.py": 5}, BASELINE)
    with pytest.raises(ValueError, match="only shrinks"):
        typecheck.lowered({**BASELINE, "app/new.py": 1}, BASELINE)


def test_the_committed_baseline_is_a_map_of_files_to_positive_counts() -> None:
    baseline = json.loads((SCRIPT.parent / "mypy-baseline.json").read_text())
    assert baseline and all(path.endswith(".py") and count > 0 for path, count in baseline.items())
    assert not [path for path in baseline if path.startswith("store/")], "store/ is held to --strict, no baseline"
