"""``python -m sandbox.shopify --port 8101 --source sample --seed 7 [--scale N] [--ends YYYY-MM-DD] --api-key K --api-secret S``."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from functools import partial

import uvicorn

from .app import create_app
from .state import ShopState


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a day as YYYY-MM-DD, not {text!r}") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.shopify", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8101)
    parser.add_argument("--source", default="sample", help="CDNOW source: sample or master")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--ends",
        type=_day,
        default=None,
        help="move the history so its last order falls on this day (default: as recorded, 1998)",
    )
    parser.add_argument("--scale", type=int, default=1, help="N times the people and orders (sandbox.dataset.scale)")
    parser.add_argument("--api-key", default="sim-api-key")
    parser.add_argument("--api-secret", default="sim-api-secret")
    parser.add_argument("--bucket-size", type=float, default=2000.0)
    parser.add_argument("--restore-rate", type=float, default=100.0)
    parser.add_argument("--compliance-uri", default=None)
    parser.add_argument(
        "--print-token",
        action="store_true",
        help="issue an offline access token and print it before serving",
    )
    args = parser.parse_args(argv)
    load = ShopState.from_dataset if args.scale == 1 else partial(ShopState.from_scaled, scale=args.scale)
    state = load(
        args.source,
        args.seed,
        ends=args.ends,
        api_key=args.api_key,
        api_secret=args.api_secret,
        bucket_size=args.bucket_size,
        restore_rate=args.restore_rate,
        compliance_uri=args.compliance_uri,
    )
    counts = state.counts()
    print(
        f"shopify simulator: {state.settings.shop_domain} on http://{args.host}:{args.port} "
        f"({counts['orders']} orders, {counts['customers']} customers, {counts['products']} products)",
        flush=True,
    )
    if args.print_token:
        print(f"access token: {state.issue_token()}", flush=True)
    uvicorn.run(create_app(state), host=args.host, port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
