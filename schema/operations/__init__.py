"""What the owner watches when sync misbehaves: webhook deliveries and failed jobs, with replay."""
