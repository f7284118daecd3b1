"""``python -m sandbox.woocommerce --port 8102 [--tls] --source sample --seed 7 [--scale N] [--ends YYYY-MM-DD]``

Serves the simulated WooCommerce site until interrupted and prints a ready-to-use API
key (or the one given with ``--consumer-key``/``--consumer-secret``).
"""

from __future__ import annotations

import argparse
from datetime import date

import uvicorn

from .app import create_app
from .state import WooState
from .tls import self_signed_cert


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a day as YYYY-MM-DD, not {text!r}") from None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox.woocommerce", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8102)
    parser.add_argument("--tls", action="store_true", help="serve HTTPS with a self-signed certificate")
    parser.add_argument("--source", default="sample", choices=("sample", "master"))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--ends",
        type=_day,
        default=None,
        help="move the history so its last order falls on this day (default: as recorded, 1998)",
    )
    parser.add_argument("--scale", type=int, default=1, help="N times the people and orders (sandbox.dataset.scale)")
    parser.add_argument("--consumer-key", default=None)
    parser.add_argument("--consumer-secret", default=None)
    parser.add_argument("--permissions", default="read_write", choices=("read", "write", "read_write"))
    parser.add_argument("--log-level", default="info", help="uvicorn's: warning keeps a long run's output short")
    args = parser.parse_args(argv)

    scheme = "https" if args.tls else "http"
    base_url = f"{scheme}://{args.host}:{args.port}"
    if args.scale == 1:
        state = WooState.from_dataset(args.source, args.seed, ends=args.ends, site_url=base_url)
    else:
        state = WooState.from_scaled(args.source, args.seed, args.scale, ends=args.ends, site_url=base_url)
    key = state.create_api_key(args.permissions, consumer_key=args.consumer_key, consumer_secret=args.consumer_secret)
    counts = state.counts()
    print(f"WooCommerce simulator on {base_url}/wp-json/wc/v3/ ({args.source}, seed {args.seed})")
    print(f"  {counts['customers']} customers, {counts['orders']} orders, {counts['products']} products")
    print(f"  consumer key:    {key.consumer_key}")
    print(f"  consumer secret: {key.consumer_secret}  ({key.permissions})")
    print(
        "  auth: " + ("HTTP Basic (or consumer_key/consumer_secret query)" if args.tls else "OAuth 1.0a one-legged"),
        flush=True,
    )
    certfile = keyfile = None
    if args.tls:
        certfile, keyfile = self_signed_cert()
    uvicorn.run(
        create_app(state),
        host=args.host,
        port=args.port,
        ssl_certfile=certfile,
        ssl_keyfile=keyfile,
        log_level=args.log_level,
    )


if __name__ == "__main__":
    main()
