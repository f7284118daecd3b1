"""All Tortoise models of the ``models`` app; the migrations are generated from this module."""

from store.models.access import ApiKey, PersistedQuery, StorefrontOrigin
from store.models.catalog import Product, Variant
from store.models.customers import Customer
from store.models.events import DeliveryStatus, SyncCheckpoint, WebhookEvent
from store.models.jobs import Job, JobStatus
from store.models.orders import Order, OrderLine, Refund, RefundLine
from store.models.people import Profile
from store.models.tenancy import Health, InstallState, Merchant, Platform, Store, StoreLinkCode

__all__ = [
    "ApiKey",
    "Customer",
    "DeliveryStatus",
    "Health",
    "InstallState",
    "Job",
    "JobStatus",
    "Merchant",
    "Order",
    "OrderLine",
    "Platform",
    "Product",
    "PersistedQuery",
    "Profile",
    "Refund",
    "RefundLine",
    "Store",
    "StoreLinkCode",
    "StorefrontOrigin",
    "SyncCheckpoint",
    "Variant",
    "WebhookEvent",
]
