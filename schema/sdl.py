"""Write (or check) the committed SDL of both schemas: ``python -m schema.sdl [--check]``."""

from __future__ import annotations

import sys
from pathlib import Path

from schema.admin import schema as admin
from schema.storefront import schema as storefront

HERE = Path(__file__).resolve().parent
FILES = {HERE / "storefront.graphql": storefront, HERE / "admin.graphql": admin}


def render(schema: object) -> str:
    return str(schema).rstrip() + "\n"


def main(argv: list[str]) -> int:
    stale = [path for path, schema in FILES.items() if not path.exists() or path.read_text() != render(schema)]
    if "--check" in argv:
        for path in stale:
            print(f"{path.name} differs from the code: run python -m schema.sdl", file=sys.stderr)
        return 1 if stale else 0
    for path, schema in FILES.items():
        path.write_text(render(schema))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
