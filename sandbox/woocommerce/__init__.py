"""A WooCommerce site simulator speaking REST API v3, over the sandbox data set.

Independent of the project's connector on purpose: written from WooCommerce's docs and
source (``WC_REST_Authentication``, the v3 controllers, ``WC_Webhook``, ``WC_Auth``) so a
misreading in one side cannot hide in the other. It imports only ``sandbox.dataset``,
``sandbox.http_server`` and third-party libraries. See ``README.md`` next to this file.

    from sandbox.woocommerce import WooState, serve_simulator

    state = WooState.from_dataset("sample", 7)
    key = state.create_api_key("read_write")
    with serve_simulator(state, tls=True) as base_url:
        ...  # https://127.0.0.1:<port>/wp-json/wc/v3/orders with Basic auth
    state.changes.add_orders(5)
    report = await state.deliver_pending()
    state.counts(), state.totals()
"""

from .app import create_app, serve_simulator
from .changes import Changes
from .clock import SITE_TIMEZONE, SimClock
from .faults import Faults
from .state import WooState
from .tls import self_signed_cert
from .webhooks import deliver_pending, signature

__all__ = [
    "SITE_TIMEZONE",
    "Changes",
    "Faults",
    "SimClock",
    "WooState",
    "create_app",
    "deliver_pending",
    "self_signed_cert",
    "serve_simulator",
    "signature",
]
