"""The storefront's view: the shop, and the signed-in shopper's own data, nothing else."""
