"""Unified profiles: basic facts with provenance, transaction facts and preferences per person."""

from insights.profiles.view import unified_profile

__all__ = ["unified_profile"]
