"""Profiles (one per person) and the store-level customers that point at them."""
