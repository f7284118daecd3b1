"""The merchant, its stores with their sync health, and store linking."""
