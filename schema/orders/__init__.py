"""Orders with their lines and refunds."""
