"""Customer insight in the admin API: unified profiles, segments, churn and CLV, identity, privacy."""
