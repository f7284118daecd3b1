"""What the owner needs to file complaints from a help-desk tool or their own server
(``POST /hooks/complaints``, ``app.http.complaints``)."""

from __future__ import annotations

import strawberry

from schema.stores.reviews import FRESHNESS, SIGNATURE_HEADER, signed_curl
from store.models import Store


def curl_example(url: str, secret: str, store_key: str) -> str:
    """A shell session that signs one complaint and posts it (openssl and curl, as on any server)."""
    body = (
        f'{{"store":"{store_key}","customer":"ann@example.com","order":"5512","kind":"complaint",'
        '"category":"delivery","subject":"Parcel never arrived","body":"Tracking says delivered.",'
        '"external_id":"ticket-1",' + FRESHNESS
    )
    return signed_curl(url, secret, body)


@strawberry.type(description="Where a help-desk tool or the owner's server files complaints and requests")
class ComplaintIntake:
    url: str = strawberry.field(description="POST a JSON complaint here")
    secret: str = strawberry.field(
        description="sign the raw body with HMAC-SHA256 under this secret, hex, in the X-Rapport-Signature header "
        "(keep it on the server: it files complaints for any customer of the store; the review secret does not)"
    )
    signature_header: str = strawberry.field(description="the header carrying the signature")
    store_key: str = strawberry.field(description='the body\'s "store" (the store id works too)')
    example: str = strawberry.field(
        description="a shell example: the body's fields (customer: platform id or email, order: optional platform "
        "id of one of their orders, kind: complaint|request, category, subject up to 200 characters, body up to "
        "5,000, external_id: your id of it (a repeat answers the same complaint), issued_at: Unix seconds, nonce: "
        "16-64 letters or digits, new for each post), the signature and the curl call"
    )

    @classmethod
    def of(cls, store: Store, url: str, secret: str) -> ComplaintIntake:
        return cls(
            url=url,
            secret=secret,
            signature_header=SIGNATURE_HEADER,
            store_key=store.public_key,
            example=curl_example(url, secret, store.public_key),
        )
