"""HTTP surfaces beyond health and metrics: each module exposes ``routes(settings) -> list[BaseRoute]``."""

ROUTE_MODULES: list[str] = [
    "app.http.graphql",
    "app.http.woocommerce",
    "app.http.shopify",
    "app.demo.mailbox",
    "app.http.assets",
    "app.http.email",
    "app.http.reviews",
    "app.http.complaints",
    "app.http.surveys",
    "app.http.exports",
]
