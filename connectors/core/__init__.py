"""What both platform connectors share: the retrying HTTP client, checkpoints, store health,
the sink pages are written to, and the webhook inbox."""
