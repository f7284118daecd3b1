"""What the owner needs to post reviews to Rapport from a review app or their own server."""

from __future__ import annotations

import shlex

import strawberry

from store.models import Store

SIGNATURE_HEADER = "X-Rapport-Signature"


FRESHNESS = '"issued_at":\'"$(date +%s)"\',"nonce":"\'"$(openssl rand -hex 16)"\'"}'
"""The end of a body in the shell examples: the time now and a new nonce, filled in by the shell."""


def curl_example(url: str, secret: str, store_key: str) -> str:
    """A shell session that signs one review and posts it (openssl and curl, as on any server)."""
    body = (
        f'{{"store":"{store_key}","customer":"ann@example.com","product":"8123","order":"5512",'
        '"rating":5,"title":"Lovely","body":"Soft and warm.","review_id":"review-1",' + FRESHNESS
    )
    return signed_curl(url, secret, body)


def signed_curl(url: str, secret: str, body: str) -> str:
    """Sign ``body`` (a JSON object the shell completes) with ``secret`` and post it to ``url``."""
    return "\n".join(
        [
            f"SECRET={shlex.quote(secret)}",
            f"BODY='{body}'",
            "SIG=$(printf '%s' \"$BODY\" | openssl dgst -sha256 -hmac \"$SECRET\" | sed 's/^.*= //')",
            f"curl -sS -X POST {shlex.quote(url)} -H 'Content-Type: application/json' \\",
            f'  -H "{SIGNATURE_HEADER}: $SIG" --data-binary "$BODY"',
        ]
    )


@strawberry.type(description="Where the store's review app posts reviews, each earning the program's review action")
class ReviewIntake:
    url: str = strawberry.field(description="POST a JSON review here")
    secret: str = strawberry.field(
        description="sign the raw body with HMAC-SHA256 under this secret, hex, in the X-Rapport-Signature header "
        "(keep it on the server: it earns points for any customer of the store)"
    )
    signature_header: str = strawberry.field(description="the header carrying the signature")
    store_key: str = strawberry.field(description='the body\'s "store" (the store id works too)')
    example: str = strawberry.field(
        description="a shell example: the body's fields (customer: platform id or email, product, order optional, "
        "rating 1-5, title, body, review_id: your id of the review, issued_at: Unix seconds, nonce: 16-64 "
        "letters or digits, new for each post), the signature and the curl call"
    )

    @classmethod
    def of(cls, store: Store, url: str, secret: str) -> ReviewIntake:
        return cls(
            url=url,
            secret=secret,
            signature_header=SIGNATURE_HEADER,
            store_key=store.public_key,
            example=curl_example(url, secret, store.public_key),
        )
