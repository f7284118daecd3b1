"""The Liquid environments mail is rendered with (Liquid: what merchants know from Shopify themes).

Merchant text (a campaign's subject and message) and the built-in messages are rendered as plain
text in a sandbox: no ``include`` or ``render`` (nothing read from files), a missing variable is
empty, and loops, output and assignments are bounded. The plain text is escaped once when it is
put into the HTML layout, which is rendered with autoescape, so a shopper's name such as
``<script>`` is shown as text.
"""

from __future__ import annotations

from functools import cache

from liquid import BoundTemplate, Environment, PackageLoader

SUBJECT_MAX = 200
BODY_MAX = 5000
LOCKED_TAGS = ("include", "render")


class Sandbox(Environment):
    """Liquid for text a merchant types: no file access, bounded work."""

    loop_iteration_limit = 1000
    output_stream_limit = 20_000
    local_namespace_limit = 20_000
    context_depth_limit = 10
    block_nesting_limit = 10

    def __init__(self) -> None:
        super().__init__(autoescape=False)
        for name in LOCKED_TAGS:
            self.tags.pop(name, None)


class Layouts(Environment):
    """The layout files of the package, HTML escaped (``autoescape``) or plain text."""

    loop_iteration_limit = 1000


@cache
def sandbox() -> Sandbox:
    return Sandbox()


@cache
def layouts(html: bool) -> Layouts:
    return Layouts(autoescape=html, loader=PackageLoader("campaigns.mail", package_path="templates", ext=".liquid"))


@cache
def layout(html: bool) -> BoundTemplate:
    return layouts(html).get_template("layout.html.liquid" if html else "layout.txt.liquid")


@cache
def parsed(source: str) -> BoundTemplate:
    """Parsed once per distinct text: a campaign's text is rendered for every recipient."""
    return sandbox().from_string(source)
