"""Credentials the owner manages: merchant API keys and shopper tokens."""
