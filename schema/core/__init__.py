"""What every domain of both schemas shares: ids, pagination, money, errors, context, limits."""
