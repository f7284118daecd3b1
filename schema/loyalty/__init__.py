"""Loyalty in GraphQL: shapes both schemas share (types, dataloaders) and the storefront's side."""
