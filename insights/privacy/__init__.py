"""Privacy: data-subject export, erasure, store redaction, marketing consent, and their audit trail."""

from insights.privacy.consent import contactable, may_contact
from insights.privacy.erase import Eraser, erase_profile, profile_of_store_customer, redact_store
from insights.privacy.export import Exporter, export_profile

__all__ = [
    "Eraser",
    "Exporter",
    "contactable",
    "erase_profile",
    "export_profile",
    "may_contact",
    "profile_of_store_customer",
    "redact_store",
]
