"""The loyalty program: ledger, earning rules, tiers, referrals, rewards.

Entry points the runtime calls (plain async functions, idempotent):
``processing.process_orders``, ``release.release_due``, ``expiry.expire_due``,
``tiers.reevaluate_tiers``, ``events.deliver_events``, ``actions.record_action``,
``rewards.redeem``, ``merge.merge_members`` /
``merge.split_members`` and ``privacy.erase_profile``.
"""
