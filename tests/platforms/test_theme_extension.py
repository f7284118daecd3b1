"""The theme app extension: Shopify's own linter finds no error in it, and its Liquid, rendered with
python-liquid for a guest and a signed-in customer, is exactly the markup the widget reads.

Shopify-only Liquid has small stand-ins here: the ``schema`` tag renders nothing (as on Shopify),
``t`` looks keys up in the extension's locale files, and ``routes``, ``request`` and ``block`` are
plain objects shaped like Shopify's.
"""

from __future__ import annotations

import json
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from liquid import Environment
from liquid.builtin.tags.comment_tag import CommentNode
from liquid.exceptions import LiquidSyntaxError
from liquid.stream import TokenStream
from liquid.tag import Tag
from liquid.token import TOKEN_EOF, TOKEN_TAG

from app.http.assets import STATIC
from app.shopify_app import PACKAGE, PROXY_PATH
from tests.support.servers import npm_install, unavailable

EXTENSION = PACKAGE / "extensions" / "rapport-widget"
BLOCKS = EXTENSION / "blocks"
LOCALES = EXTENSION / "locales"
WIDGET = (STATIC / "widget" / "rapport-widget.js").read_text()
THEME_CHECK = "@shopify/theme-check-node@3.29.1"
GUEST = None
SIGNED_IN = {"id": 7301042, "email": "ronald.hudson@example.com", "first_name": "Ronald", "name": "Ronald Hudson"}
"""Shopify's ``customer`` object: what a theme knows about the shopper, none of which may reach the page."""


class SchemaTag(Tag):
    """Shopify's ``{% schema %}``: read by the theme editor, renders nothing on the storefront."""

    name = "schema"
    end = "endschema"

    def parse(self, stream: TokenStream) -> CommentNode:
        token = stream.eat(TOKEN_TAG)
        text: list[str] = []
        while not (stream.current.kind == TOKEN_TAG and stream.current.value == self.end):
            if stream.current.kind == TOKEN_EOF:
                raise LiquidSyntaxError("schema tag was never closed", token=token)
            text.append(stream.current.value)
            next(stream)
        return CommentNode(token, text="".join(text))


def locale_table(locale: str, *, schema: bool = False) -> dict[str, Any]:
    suffix = ".schema.json" if schema else ".json"
    name = f"en.default{suffix}" if locale == "en" else f"{locale}{suffix}"
    return json.loads((LOCALES / name).read_text())


def lookup(table: dict[str, Any], key: str) -> Any:
    for part in key.split("."):
        table = table[part]
    return table


def schema_of(block: str) -> dict[str, Any]:
    text = (BLOCKS / block).read_text()
    return json.loads(re.search(r"{%\s*schema\s*%}(.*?){%\s*endschema\s*%}", text, re.S).group(1))


def defaults(block: str) -> dict[str, Any]:
    return {s["id"]: s.get("default", "") for s in schema_of(block)["settings"]}


def render(
    block: str, *, customer: dict | None, locale: str = "en", settings: dict | None = None, product: dict | None = None
) -> str:
    env = Environment()
    env.add_tag(SchemaTag)
    table = locale_table(locale)
    env.add_filter("t", lambda key: lookup(table, key))
    template = env.from_string((BLOCKS / block).read_text())
    prefix = "" if locale == "en" else f"/{locale}"
    return template.render(
        customer=customer,
        product=product,
        block={"settings": {**defaults(block), **(settings or {})}},
        request={"locale": {"iso_code": locale}},
        routes={"account_login_url": f"{prefix}/account/login", "root_url": prefix or "/"},
    )


class Elements(HTMLParser):
    """Start tags with their attributes, and the text of each ``summary``."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.summary: list[str] = []
        self._in_summary = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_summary = tag == "summary"

    def handle_endtag(self, tag: str) -> None:
        self._in_summary = False if tag == "summary" else self._in_summary

    def handle_data(self, data: str) -> None:
        if self._in_summary and data.strip():
            self.summary.append(data.strip())

    def only(self, tag: str) -> dict[str, str | None]:
        found = [attrs for name, attrs in self.tags if name == tag]
        assert len(found) == 1, f"{len(found)} <{tag}> elements"
        return found[0]


def widget_attributes() -> set[str]:
    """The attribute names the widget's elements read (their ``observedAttributes``)."""
    listed = re.search(r"observedAttributes\(\)\s*{\s*return\s*\[([^\]]*)\]", WIDGET).group(1)
    return set(re.findall(r'"([a-z-]+)"', listed))


def widget_properties() -> set[str]:
    return set(re.findall(r"var\((--rapport-[a-z-]+),", WIDGET))


def custom_properties(style: str | None) -> dict[str, str]:
    pairs = (part.split(":", 1) for part in (style or "").split(";") if part.strip())
    return {name.strip(): value.strip() for name, value in pairs}


def test_the_widget_defines_the_elements_the_blocks_render() -> None:
    defined = set(re.findall(r'customElements\.define\("([a-z-]+)"', WIDGET))
    assert defined == {"rapport-loyalty", "rapport-bought-together"}


@pytest.mark.parametrize("customer", [GUEST, SIGNED_IN], ids=["guest", "signed-in"])
def test_the_embed_loads_the_widget_through_the_app_proxy_with_no_token_and_no_customer_data(customer) -> None:
    page = render("loyalty.liquid", customer=customer)
    elements = Elements(page)
    widget = elements.only("rapport-loyalty")
    assert widget["proxy"] == PROXY_PATH == "/apps/rapport"
    assert widget["locale"] == "en" and widget["login-url"] == "/account/login"
    assert set(widget) - {"style"} <= widget_attributes()
    assert "shopper-token" not in widget and "store-key" not in widget
    script = elements.only("script")
    assert script == {"src": f"{PROXY_PATH}/widget/rapport-widget.js", "defer": None}
    assert "token" not in page.lower()
    assert not any(str(value) in page for value in SIGNED_IN.values())


def test_a_guest_and_a_signed_in_customer_get_the_same_markup_as_the_app_proxy_tells_them_apart() -> None:
    assert render("loyalty.liquid", customer=GUEST) == render("loyalty.liquid", customer=SIGNED_IN)


def test_the_embeds_colours_are_the_widgets_css_custom_properties() -> None:
    chosen = {
        "accent": "#0f766e",
        "accent_text": "#fefefe",
        "text": "#111111",
        "background": "#fafafa",
        "surface": "#eeeeee",
        "radius": 12,
    }
    widget = Elements(render("loyalty.liquid", customer=SIGNED_IN, settings=chosen)).only("rapport-loyalty")
    properties = custom_properties(widget["style"])
    assert properties == {
        "--rapport-accent": "#0f766e",
        "--rapport-accent-text": "#fefefe",
        "--rapport-text": "#111111",
        "--rapport-bg": "#fafafa",
        "--rapport-surface": "#eeeeee",
        "--rapport-radius": "12px",
    }
    assert set(properties) <= widget_properties()


def test_the_embeds_default_colours_are_the_widgets_own_defaults() -> None:
    widget = Elements(render("loyalty.liquid", customer=GUEST)).only("rapport-loyalty")
    for name, value in custom_properties(widget["style"]).items():
        assert re.search(
            rf"var\({name},{re.escape(value.removesuffix('px') if name.endswith('radius') else value)}",
            WIDGET.replace("#fff)", "#ffffff)"),
        ), name


@pytest.mark.parametrize("position", ["bottom_right", "bottom_left"])
def test_a_floating_position_puts_the_widget_behind_a_translated_launcher(position) -> None:
    for locale, label in (("en", "Rewards"), ("fr", "Récompenses")):
        elements = Elements(render("loyalty.liquid", customer=GUEST, locale=locale, settings={"position": position}))
        assert elements.only("details")["class"] == f"rapport-embed rapport-embed--{position}"
        assert elements.summary == [label]
        assert elements.only("rapport-loyalty")["locale"] == locale


def test_the_inline_position_shows_the_widget_at_the_end_of_the_page_without_a_launcher() -> None:
    elements = Elements(render("loyalty.liquid", customer=GUEST, settings={"position": "inline"}))
    assert not any(name in ("details", "summary") for name, _ in elements.tags)
    assert elements.only("div")["class"] == "rapport-embed rapport-embed--inline"
    elements.only("rapport-loyalty")


def test_a_french_storefront_gets_a_french_widget_and_its_own_sign_in_link() -> None:
    widget = Elements(render("loyalty.liquid", customer=GUEST, locale="fr")).only("rapport-loyalty")
    assert widget["locale"] == "fr" and widget["login-url"] == "/fr/account/login"


def test_a_store_key_set_in_the_theme_editor_is_passed_escaped() -> None:
    widget = Elements(
        render("loyalty.liquid", customer=GUEST, settings={"store_key": ' pk_abc"><script>x</script> '})
    ).only("rapport-loyalty")
    assert widget["store-key"] == 'pk_abc"><script>x</script>'
    page = render("loyalty.liquid", customer=GUEST, settings={"store_key": 'pk_abc"><script>x</script>'})
    assert "<script>x" not in page


@pytest.mark.parametrize("customer", [GUEST, SIGNED_IN], ids=["guest", "signed-in"])
def test_the_bought_together_block_names_the_product_by_shopifys_id_for_the_storefront_api(customer) -> None:
    product = {"id": 8123456789012, "handle": "blue-train", "title": "Blue Train"}
    page = render(
        "bought-together.liquid",
        customer=customer,
        product=product,
        locale="fr",
        settings={"accent": "#0f766e", "radius": 4},
    )
    elements = Elements(page)
    together = elements.only("rapport-bought-together")
    assert together["product-id"] == "gid://shopify/Product/8123456789012"
    assert together["proxy"] == PROXY_PATH and together["locale"] == "fr"
    assert set(together) - {"style"} <= widget_attributes()
    assert custom_properties(together["style"])["--rapport-accent"] == "#0f766e"
    assert custom_properties(together["style"])["--rapport-radius"] == "4px"
    assert set(custom_properties(together["style"])) <= widget_properties()
    assert elements.only("script") == {"src": f"{PROXY_PATH}/widget/rapport-widget.js", "defer": None}
    assert not any(str(value) in page for value in SIGNED_IN.values())


def test_the_embed_targets_the_body_and_the_block_the_product_page() -> None:
    assert schema_of("loyalty.liquid")["target"] == "body"
    together = schema_of("bought-together.liquid")
    assert together["target"] == "section" and together["enabled_on"] == {"templates": ["product"]}


def test_every_label_and_string_is_translated_in_english_and_french() -> None:
    def keys(table: dict, prefix: str = "") -> set[str]:
        return set().union(
            *(keys(v, f"{prefix}{k}.") if isinstance(v, dict) else {prefix + k} for k, v in table.items())
        )

    assert keys(locale_table("en")) == keys(locale_table("fr"))
    assert keys(locale_table("en", schema=True)) == keys(locale_table("fr", schema=True))
    used = set(re.findall(r'"t:([a-z_.]+)"', "".join(p.read_text() for p in BLOCKS.glob("*.liquid"))))
    assert used <= keys(locale_table("en", schema=True))


@pytest.fixture(scope="module")
def theme_check(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return npm_install(tmp_path_factory.mktemp("theme-check"), THEME_CHECK)


def lint(modules: Path, root: Path) -> list[dict]:
    """Shopify's theme linter on ``root`` (an extension folder: it picks the theme-app-extension checks
    because of ``shopify.extension.toml``), as JSON offenses."""
    script = (
        "require('@shopify/theme-check-node').check(process.argv[1]).then((found) => console.log(JSON.stringify("
        "found.map((o) => ({check: o.check, severity: o.severity, message: o.message, uri: o.uri})))))"
        ".catch((err) => { console.error(err); process.exit(2); })"
    )
    done = subprocess.run(
        ["node", "-e", script, str(root)],
        capture_output=True,
        text=True,
        timeout=120,
        env={"NODE_PATH": str(modules), "PATH": "/usr/local/bin:/usr/bin:/bin"},
    )
    if done.returncode != 0:
        unavailable(f"theme-check could not run: {done.stderr[-300:]}")
    return json.loads(done.stdout)


def test_shopifys_theme_linter_finds_nothing_in_the_extension(theme_check) -> None:
    assert lint(theme_check, EXTENSION) == []


def test_shopifys_theme_linter_is_live_and_catches_a_planted_mistake(theme_check, tmp_path) -> None:
    planted = tmp_path / "rapport-widget"
    subprocess.run(["cp", "-R", str(EXTENSION), str(planted)], check=True)
    block = planted / "blocks" / "loyalty.liquid"
    block.write_text(block.read_text().replace("'loyalty.launcher' | t", "'loyalty.missing' | t"))
    found = lint(theme_check, planted)
    assert [(o["check"], o["severity"]) for o in found] == [("TranslationKeyExists", 0)]
