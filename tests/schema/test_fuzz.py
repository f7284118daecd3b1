"""Property-based fuzzing of both schemas with schemathesis, over real HTTP to the app under uvicorn.

Schemathesis reads each schema by introspection and, for every root query and mutation field,
generates documents with arguments (hypothesis-graphql). Each response must not be a server
error (schemathesis' own ``not_a_server_error`` check, which also flags a GraphQL error that
is neither a request error nor labelled as one) and every error must say clearly what is
wrong: a message, a code, never "Internal server error" or a traceback. The number of
examples is fixed, generation is derandomized and a failure is reported as found (no
shrinking), so a run is bounded and repeatable, passing or failing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from random import Random

import pytest
import requests
import schemathesis
from graphql import (
    ArgumentNode,
    FieldNode,
    GraphQLError,
    GraphQLSchema,
    IntValueNode,
    NameNode,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    parse,
    print_ast,
    visit,
)
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.graphql import nodes
from schemathesis.specs.graphql.scalars import CUSTOM_SCALARS

from app.auth.shopper_tokens import ShopperTokens
from tests.schema.conftest import session_token
from tests.support.servers import SECRET, rapport_serve

pytestmark = pytest.mark.db

EXAMPLES = 20
"""Per root field (positive and negative documents mixed): about 660 requests over both schemas."""
KINDS = (
    "Merchant",
    "Store",
    "Shop",
    "Profile",
    "Customer",
    "Order",
    "OrderLine",
    "Refund",
    "Product",
    "WebhookDelivery",
    "FailedJob",
    "ApiKey",
    "SyncCheckpoint",
    "Reward",
    "LedgerEntry",
    "IssuedCode",
    "LoyaltyMember",
    "ProgramVersion",
    "Referral",
    "EventEndpoint",
)


@dataclass
class Served:
    base: str
    log: Path

    def errors(self) -> str:
        """What the server logged (resolver bugs are logged there with their traceback)."""
        return self.log.read_text()[-3000:]


@pytest.fixture
def served(database_url, world, tmp_path) -> Iterator[Served]:
    log = tmp_path / "server.log"
    with rapport_serve(
        database_url, log, SHOPIFY_API_KEY="test-app-api-key", SHOPIFY_API_SECRET="test-app-secret-" + "s" * 20
    ) as base:
        yield Served(base, log)


def _ids() -> st.SearchStrategy:
    """Mostly well-formed global ids of every kind (so lookups reach the database), some garbage."""
    gids = st.builds(lambda kind, pk: f"gid://rapport/{kind}/{pk}", st.sampled_from(KINDS), st.integers(1, 400))
    return st.one_of(gids, gids, st.text(max_size=30)).map(nodes.String)


def _decimals() -> st.SearchStrategy:
    """Decimal strings: ordinary amounts and rates, negative, huge, NaN and Infinity, and some garbage."""
    numbers = st.one_of(
        st.decimals(min_value=-1000, max_value=1000, places=2), st.decimals(allow_nan=True, allow_infinity=True)
    ).map(str)
    return st.one_of(numbers, numbers, st.text(max_size=12)).map(nodes.String)


def _ints() -> st.SearchStrategy:
    """Small numbers most of the time (page sizes, buckets, lifetimes), any 32-bit integer otherwise."""
    return st.one_of(st.integers(-2, 12), st.integers(-(2**31), 2**31 - 1)).map(nodes.Int)


def windowed(schema: GraphQLSchema, query: str, rnd: Random) -> str:
    """Most connections get a valid page window, so documents get past argument checks to the data.

    Random arguments almost never give exactly one of ``first``/``last`` within the page size
    and no foreign cursor, so without this nearly every nested field would stop at its
    BAD_USER_INPUT. A fifth of the fields keep what was generated, to exercise those errors too.
    """
    document = parse(query)
    types = TypeInfo(schema)

    class Window(Visitor):
        def enter_field(self, node: FieldNode, *_: object) -> FieldNode | None:
            field = types.get_field_def()
            if field is None or "first" not in field.args or rnd.random() < 0.2:
                return None
            kept = [a for a in node.arguments or () if a.name.value not in ("first", "last", "after", "before")]
            size = ArgumentNode(name=NameNode(value="first"), value=IntValueNode(value=str(rnd.randint(0, 4))))
            return FieldNode(**{**{key: getattr(node, key) for key in node.keys}, "arguments": (*kept, size)})

    return print_ast(visit(document, TypeInfoVisitor(types, Window())))


def unclear_errors(response: requests.Response) -> list[str]:
    """Errors that do not say what is wrong: no message, no code, or a hidden bug."""
    if "Traceback" in response.text:
        return ["a traceback in the response"]
    body = response.json()
    problems = []
    for error in body.get("errors") or []:
        message, code = error.get("message"), (error.get("extensions") or {}).get("code")
        if not isinstance(message, str) or len(message) < 8:
            problems.append(f"error without a clear message: {error}")
        if not isinstance(code, str) or not code:
            problems.append(f"error without a code: {error}")
        if code == "INTERNAL_SERVER_ERROR" or message == "Internal server error":
            problems.append(f"a bug answered as an internal error: {error}")
    return problems


def _rewrite(case, schema: GraphQLSchema, rnd: Random):
    try:
        case.body = windowed(schema, case.body, rnd)
    except GraphQLError:  # a negative case that does not even parse stays as it is
        pass
    return case


@dataclass
class Outcome:
    sent: int = 0
    answered: int = 0
    """Responses with data and no error: the documents that got through to the resolvers' results."""
    problems: list[str] = field(default_factory=list)


def fuzz(url: str, headers: dict[str, str]) -> Outcome:
    """Requests sent, answered and problems found, over every root field of the schema at ``url``."""
    schema = schemathesis.graphql.from_url(url, headers=headers, timeout=10)
    session = requests.Session()
    outcome = Outcome()
    for result in schema.get_all_operations():
        operation = result.ok()
        generated = st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)
        )
        documents = st.builds(
            lambda case, rnd: _rewrite(case, schema.client_schema, rnd), generated, st.randoms(use_true_random=False)
        )

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=documents)
        def check(case) -> None:
            response = case.call(session=session, headers=headers, timeout=10)
            outcome.sent += 1
            case.validate_response(response, checks=[not_a_server_error], headers=headers)
            assert response.status_code < 500, response.text
            assert not (found := unclear_errors(response)), (case.body, found)
            body = response.json()
            outcome.answered += body.get("data") is not None and not body.get("errors")

        try:
            check()
        except (Exception, BaseExceptionGroup) as exc:  # collected, so one run reports every field that fails
            outcome.problems.append(f"{operation.label}: {str(exc)[:1500]}")
    return outcome


def test_fuzzing_both_schemas_finds_no_server_error_and_no_unclear_error(served, world):
    saved = dict(CUSTOM_SCALARS)
    CUSTOM_SCALARS.update({"ID": _ids(), "Int": _ints(), "Decimal": _decimals()})
    try:
        shopper, _ = ShopperTokens(SECRET).mint(world.shopify.id, world.shopper.id, 3600)
        storefront = {"X-Rapport-Store-Key": world.shopify.public_key, "X-Rapport-Shopper-Token": shopper}
        admin = {"Authorization": f"Bearer {session_token(exp_in=600)}"}
        shop = fuzz(f"{served.base}/graphql/storefront", storefront)
        owner = fuzz(f"{served.base}/graphql/admin", admin)
    finally:
        CUSTOM_SCALARS.clear()
        CUSTOM_SCALARS.update(saved)
    assert not shop.problems + owner.problems, "\n\n".join([*shop.problems, *owner.problems, served.errors()])
    assert shop.sent >= 5 * EXAMPLES and owner.sent >= 25 * EXAMPLES
    assert shop.answered > shop.sent / 4 and owner.answered > owner.sent / 4, (shop, owner)
