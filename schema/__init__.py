"""GraphQL schemas: the storefront API and the admin API."""
