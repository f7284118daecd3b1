"""Feedback in the GraphQL APIs: surveys, complaints, reviews and the report built on them."""
