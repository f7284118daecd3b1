"""The loyalty program: ledger, earning rules, tiers, referrals, rewards."""
