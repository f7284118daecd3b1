"""Settings from the environment (and a ``.env`` file), checked once at start-up."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SQL_SCHEMES = {"sqlite", "postgres", "postgresql"}
TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}


class SettingsError(Exception):
    """A setting is missing or malformed; the message is one line meant for the operator."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_ignore_empty=True)

    database_url: str = Field(
        default_factory=lambda: f"sqlite://{Path.cwd() / 'rapport.sqlite3'}",
        description="sqlite://PATH or postgres://USER@HOST:PORT/DB",
    )
    redis_url: str | None = Field(default=None, description="unset: the embedded job runner")
    secret_key: SecretStr = Field(description="encrypts secrets at rest and signs tokens")
    secret_key_fallbacks: list[SecretStr] = Field(default_factory=list)
    public_base_url: str = "http://127.0.0.1:8000"
    shopify_api_key: str = ""
    shopify_api_secret: SecretStr = SecretStr("")
    shopify_api_version: str = "2026-10"
    shopify_base_url: str | None = Field(
        default=None, description="send every shop's API calls here instead of https://<shop> (sandbox, tests)"
    )
    woocommerce_verify_tls: bool | str = Field(
        default=True, description="verify sites' TLS certificates (or a CA bundle path)"
    )
    allow_http_sites: bool = Field(
        default=False, description="development only: connect WooCommerce sites over plain http"
    )
    allow_site_networks: list[str] = Field(
        default_factory=list,
        description='development only: networks a site may resolve into although not public, e.g. ["127.0.0.0/8"] for the sandbox',
    )
    woocommerce_reconcile_seconds: float = Field(
        default=3600, gt=0, description="how often WooCommerce customers are reconciled by a full scan"
    )
    sync_interval_seconds: float = Field(default=300, gt=0, description="how often each store's incremental sync runs")
    scheduler: bool = Field(
        default=True, description="queue periodic syncs and loyalty/insights runs (worker, or web when embedded)"
    )
    metrics_token: SecretStr | None = Field(
        default=None, description="bearer token /metrics requires; unset: /metrics answers 404"
    )
    log_level: str = "INFO"
    arq_queue: str = Field(default="arq:queue", description="Redis queue name (one per deployment)")
    job_modules: list[str] = Field(default_factory=list, description="extra modules with @job functions")
    job_lease_seconds: float = Field(
        default=60, gt=0, description="embedded runner: a job whose worker vanished runs again after this"
    )
    job_backoff_seconds: float = Field(default=2, ge=0, description="first retry delay, doubled per try")
    webhook_max_body_bytes: int = Field(
        default=4 * 1024 * 1024, gt=0, description="larger webhook bodies get 413, before any is buffered past it"
    )
    # GraphQL APIs (app.http.graphql, app.auth)
    environment: str = Field(
        default="production",
        pattern="^(production|development)$",
        description="development turns on the API explorer and field suggestions on the admin API",
    )
    graphql_explorer: bool | None = Field(
        default=None,
        description="serve the API explorer (GraphiQL) for the admin API at /explorer/; unset: in development only",
    )
    graphql_max_body_bytes: int = Field(default=100_000, gt=0, description="larger request bodies get 413")
    graphql_max_depth: int = Field(default=12, gt=0)
    graphql_max_aliases: int = Field(default=15, ge=0)
    graphql_max_tokens: int = Field(default=1000, gt=0)
    graphql_max_cost: int = Field(default=1000, gt=0, description="Shopify-style requested query cost")
    storefront_introspection: bool = Field(default=True, description="false hides the storefront schema")
    shopper_token_ttl_seconds: int = Field(default=3600, ge=60, le=86400, description="default shopper token life")
    graphql_persisted_max_bytes: int = Field(
        default=8192, gt=0, description="longest document a client may register as a persisted query"
    )
    # Request limits (app.http.ratelimit): "N/second|minute|hour|day", several joined by ";", or "off"
    rate_limit_storefront_ip: str = Field(default="1200/minute", description="storefront requests per client address")
    rate_limit_storefront_key: str = Field(default="20000/minute", description="storefront requests per store key")
    rate_limit_onboarding_ip: str = Field(
        default="30/minute;300/day", description="connect/install requests per client address"
    )
    rate_limit_onboarding_key: str = Field(
        default="10/minute", description="connect/install requests per credential, shop or site"
    )
    rate_limit_reviews_ip: str = Field(
        default="600/minute", description="review posts (/hooks/reviews) per client address, signed or not"
    )
    rate_limit_reviews_store: str = Field(
        default="120/minute", description="signed review posts per store (a review app posting for many stores)"
    )
    rate_limit_complaints_ip: str = Field(
        default="600/minute", description="complaint posts (/hooks/complaints) per client address, signed or not"
    )
    rate_limit_complaints_store: str = Field(
        default="120/minute", description="signed complaint posts per store (a help-desk tool or the store's server)"
    )
    app_proxy_max_age_seconds: int = Field(default=300, gt=0, description="app proxy signatures older than this fail")
    # Email (campaigns): unset SMTP_URL keeps mail queued and logged, never sent
    smtp_url: str | None = Field(
        default=None, description="smtp://[user:password@]host:port (STARTTLS when offered) or smtps:// (TLS)"
    )
    mail_from: str = Field(
        default="", validate_default=True, description="the sender address, e.g. rewards@shop.example"
    )
    rate_limit_email_ip: str = Field(
        default="300/minute",
        description="unsubscribe pages, open pixels and survey pages per client address, each counted apart "
        "(a one-click unsubscribe is never refused)",
    )
    demo_mailbox: str | None = Field(
        default=None, description="rapport demo: the directory its SMTP sink writes, shown at /demo/mailbox.html"
    )

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in SQL_SCHEMES:
            raise ValueError(f"scheme {parts.scheme or '(none)'!r} is not one of sqlite://, postgres://")
        if parts.scheme == "sqlite" and not (parts.netloc or parts.path):
            raise ValueError("sqlite:// needs a file path, e.g. sqlite://./rapport.sqlite3")
        if parts.scheme != "sqlite" and not (parts.hostname and parts.path.strip("/")):
            raise ValueError("postgres:// needs a host and a database, e.g. postgres://user@host:5432/db")
        return value

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in {"smtp", "smtps"}:
            raise ValueError("must start with smtp:// (STARTTLS when offered) or smtps:// (TLS)")
        if not parts.hostname:
            raise ValueError("needs a host, e.g. smtp://127.0.0.1:1025")
        try:
            parts.port  # noqa: B018 - a port that is not a number raises here
        except ValueError:
            raise ValueError("the port must be a number") from None
        return value

    @field_validator("mail_from")
    @classmethod
    def _mail_from(cls, value: str, info: ValidationInfo) -> str:
        address = value.strip()
        if not address:
            if info.data.get("smtp_url"):
                raise ValueError("is required when SMTP_URL is set (the sender address, e.g. rewards@shop.example)")
            return ""
        local, at, domain = address.rpartition("@")
        if not (at and local and "." in domain) or any(c in address for c in ' <>,;\r\n"()'):
            raise ValueError(f"{address!r} is not an email address such as rewards@shop.example")
        return address

    @field_validator("woocommerce_verify_tls", mode="before")
    @classmethod
    def _verify_tls(cls, value: object) -> bool | str:
        """``true``/``false`` (any spelling an environment uses) or a CA bundle that exists; a
        string such as "false" must never be taken for a bundle path."""
        if isinstance(value, bool):
            return value
        text = str(value).strip()
        if text.lower() in TRUE_WORDS:
            return True
        if text.lower() in FALSE_WORDS:
            return False
        if Path(text).is_file():
            return text
        raise ValueError(f"must be true, false or the path of a CA bundle file ({text!r} is neither)")

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value is not None and urlsplit(value).scheme not in {"redis", "rediss"}:
            raise ValueError("must start with redis:// or rediss://")
        return value

    @field_validator("secret_key")
    @classmethod
    def _secret_key(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) < 32:
            raise ValueError("must be at least 32 characters (try: openssl rand -hex 32)")
        return value

    @field_validator("public_base_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        if urlsplit(value).scheme not in {"http", "https"}:
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/")

    @field_validator(
        "rate_limit_storefront_ip",
        "rate_limit_storefront_key",
        "rate_limit_onboarding_ip",
        "rate_limit_onboarding_key",
        "rate_limit_email_ip",
        "rate_limit_reviews_ip",
        "rate_limit_reviews_store",
        "rate_limit_complaints_ip",
        "rate_limit_complaints_store",
    )
    @classmethod
    def _rate_limit(cls, value: str) -> str:
        from limits import parse_many

        try:
            if value.strip().lower() not in {"", "off", "none"}:
                parse_many(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a rate such as 60/minute or 10/second;1000/day") from None
        return value

    @field_validator("allow_site_networks")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for network in value:
            try:
                ipaddress.ip_network(network, strict=False)
            except ValueError:
                raise ValueError(f"{network!r} is not a network such as 127.0.0.0/8 or ::1/128") from None
        return value

    @property
    def explorer(self) -> bool:
        """GraphiQL is a development tool: on when asked for, else only with ENVIRONMENT=development."""
        return self.environment == "development" if self.graphql_explorer is None else self.graphql_explorer

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def load_settings(**overrides: Any) -> Settings:
    """Settings or a ``SettingsError`` whose message names the setting and what is wrong."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        reason = "is missing" if first["type"] == "missing" else first["msg"].removeprefix("Value error, ")
        more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
        raise SettingsError(f"bad setting {name}: {reason}{more}") from None
