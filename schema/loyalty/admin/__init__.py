"""Loyalty on the admin API: members and their ledgers, program settings, rewards, economics,
referrals under review and outgoing event endpoints."""
