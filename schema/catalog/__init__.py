"""The storefront's catalog: products of the shop and the recommendations that list them."""
