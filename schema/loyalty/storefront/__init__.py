"""The storefront half of the loyalty API: what themes and shoppers see and do."""
