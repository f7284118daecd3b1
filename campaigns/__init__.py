"""Campaigns: the CRM's "interact". Audiences from what insights and loyalty know, actions
through loyalty's ledger and the platforms' discount codes, email over SMTP, and a holdout
group per campaign so its results measure what it caused.

Entry points the runtime calls (plain async functions, idempotent):
``runner.run_campaign`` / ``runner.run_due``, ``sending.send_due``, ``results.results_of``.
"""
