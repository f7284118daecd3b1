"""The Admin GraphQL documents the connector sends, with what each costs.

Selections are plain strings shared by paged queries and bulk operations (bulk queries take
no fragments on every version, so none are used). Requested cost follows Shopify's rules:
an object costs 1, a connection 2 plus ``first`` times one node, so page sizes below are
chosen to stay under the 1,000-point cap of a single query:

* customers: 4 per node -> 240 per page (962 points);
* products with their picture and up to 5 variants: 9 per node -> 110 per page (992);
* orders with 5 lines, refunds with 5 lines each and the buyer: 78 per node -> 12 per page
  (938). A rich order page of 250 would cost about 19,500 points, which is why the backfill
  reads through bulk operations instead (one 10-point mutation, no page cap); pages serve
  the incremental sync, where few records changed.

Lines, variants or refund lines beyond the first page are fetched for the few records that
have more, so a record is never written with a partial list.
"""

from __future__ import annotations

CUSTOMER = (
    "id firstName lastName createdAt updatedAt tags verifiedEmail "
    "defaultEmailAddress { emailAddress marketingState } "
    "defaultPhoneNumber { phoneNumber } "
    "defaultAddress { firstName lastName company address1 address2 city provinceCode zip countryCodeV2 phone }"
)

VARIANT = "id title sku price compareAtPrice availableForSale"
PRODUCT = "id title handle vendor productType status updatedAt featuredImage { url altText }"

LINE = (
    "id title quantity sku isGiftCard variant { id } product { id } "
    "originalUnitPriceSet { shopMoney { amount } } totalDiscountSet { shopMoney { amount } }"
)
REFUND_LINE = "id quantity lineItem { id } subtotalSet { shopMoney { amount } }"
REFUND = "id createdAt note totalRefundedSet { shopMoney { amount } }"
ORDER = (
    "id name email phone createdAt updatedAt cancelledAt cancelReason test "
    "displayFinancialStatus displayFulfillmentStatus currencyCode discountCodes "
    "totalPriceSet { shopMoney { amount currencyCode } } subtotalPriceSet { shopMoney { amount } } "
    "totalDiscountsSet { shopMoney { amount } } totalShippingPriceSet { shopMoney { amount } } "
    "totalTaxSet { shopMoney { amount } } "
    f"customer {{ {CUSTOMER} }} "
    "shippingAddress { firstName lastName company address1 address2 city provinceCode zip countryCodeV2 phone }"
)

PAGE_INFO = "pageInfo { hasNextPage endCursor }"
LINES_FIRST = 5
VARIANTS_FIRST = 5
REFUND_LINES_FIRST = 5

PAGED_CUSTOMER = CUSTOMER
PAGED_PRODUCT = f"{PRODUCT} variants(first: {VARIANTS_FIRST}) {{ {PAGE_INFO} nodes {{ {VARIANT} }} }}"
PAGED_ORDER = (
    f"{ORDER} lineItems(first: {LINES_FIRST}) {{ {PAGE_INFO} nodes {{ {LINE} }} }} "
    f"refunds {{ {REFUND} refundLineItems(first: {REFUND_LINES_FIRST}) {{ {PAGE_INFO} nodes {{ {REFUND_LINE} }} }} }}"
)

PAGE_SIZES = {"customers": 240, "products": 110, "orders": 12}
NODES = {"customers": PAGED_CUSTOMER, "products": PAGED_PRODUCT, "orders": PAGED_ORDER}


def page_query(resource: str) -> str:
    """One page of ``resource`` in ``updated_at`` order, optionally filtered by a search query."""
    return (
        f"query {resource.capitalize()}Page($first: Int!, $after: String, $query: String) "
        f"{{ {resource}(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) "
        f"{{ {PAGE_INFO} nodes {{ {NODES[resource]} }} }} }}"
    )


ORDERS_BY_ID = f"query OrdersById($ids: [ID!]!) {{ nodes(ids: $ids) {{ ... on Order {{ {PAGED_ORDER} }} }} }}"
ORDERS_BY_ID_BATCH = 12

MORE_LINES = (
    "query MoreLines($id: ID!, $after: String) { node(id: $id) { ... on Order { "
    f"lineItems(first: 100, after: $after) {{ {PAGE_INFO} nodes {{ {LINE} }} }} }} }} }}"
)
MORE_REFUND_LINES = (
    "query MoreRefundLines($id: ID!, $after: String) { node(id: $id) { ... on Refund { "
    f"refundLineItems(first: 100, after: $after) {{ {PAGE_INFO} nodes {{ {REFUND_LINE} }} }} }} }} }}"
)
MORE_VARIANTS = (
    "query MoreVariants($id: ID!, $after: String) { node(id: $id) { ... on Product { "
    f"variants(first: 250, after: $after) {{ {PAGE_INFO} nodes {{ {VARIANT} }} }} }} }} }}"
)

# Bulk operations: connections as edges (what every version accepts), children as JSONL lines
# carrying __parentId. Refund lines sit under a list (refunds), which bulk queries do not
# flatten, so orders that have refunds are read again by id, with their refund lines.
BULK = {
    "customers": f"{{ customers {{ edges {{ node {{ {CUSTOMER} }} }} }} }}",
    "products": (
        f"{{ products {{ edges {{ node {{ {PRODUCT} variants {{ edges {{ node {{ {VARIANT} }} }} }} }} }} }} }}"
    ),
    "orders": (
        f"{{ orders {{ edges {{ node {{ {ORDER} refunds {{ id }} "
        f"lineItems {{ edges {{ node {{ {LINE} }} }} }} }} }} }} }}"
    ),
}

BULK_RUN = (
    "mutation RunBulk($query: String!) { bulkOperationRunQuery(query: $query) "
    "{ bulkOperation { id status } userErrors { field message code } } }"
)
BULK_STATUS = (
    "query BulkStatus($id: ID!) { node(id: $id) { ... on BulkOperation "
    "{ id status errorCode objectCount url partialDataUrl query } } }"
)
BULK_CURRENT = "query CurrentBulk { currentBulkOperation { id status errorCode url query } }"

SHOP = "query Shop { shop { name email myshopifyDomain currencyCode ianaTimezone } }"

SUBSCRIBE = (
    "mutation Subscribe($topic: WebhookSubscriptionTopic!, $sub: WebhookSubscriptionInput!) "
    "{ webhookSubscriptionCreate(topic: $topic, webhookSubscription: $sub) "
    "{ webhookSubscription { id topic uri } userErrors { field message } } }"
)

DISCOUNT_CREATE = (
    "mutation IssueCode($input: DiscountCodeBasicInput!) { discountCodeBasicCreate(basicCodeDiscount: $input) "
    "{ codeDiscountNode { id codeDiscount { ... on DiscountCodeBasic { title endsAt codes(first: 1) { nodes { code } } } } } "
    "userErrors { field message code } } }"
)
FREE_SHIPPING_CREATE = (
    "mutation IssueFreeShipping($input: DiscountCodeFreeShippingInput!) "
    "{ discountCodeFreeShippingCreate(freeShippingCodeDiscount: $input) "
    "{ codeDiscountNode { id codeDiscount { ... on DiscountCodeFreeShipping { title endsAt codes(first: 1) "
    "{ nodes { code } } } } } userErrors { field message code } } }"
)
DISCOUNT_DELETE = (
    "mutation RevokeCode($id: ID!) { discountCodeDelete(id: $id) "
    "{ deletedCodeDiscountId userErrors { field message code } } }"
)
DISCOUNT_BY_CODE = (
    "query CodeByName($code: String!) { codeDiscountNodeByCode(code: $code) "
    "{ id codeDiscount { __typename ... on DiscountCodeBasic { title endsAt } "
    "... on DiscountCodeFreeShipping { title endsAt } } } }"
)
