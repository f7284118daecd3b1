"""Background jobs: one interface, two runners (embedded in the database, or arq on Redis)."""

from app.jobs.queue import JobQueue, open_queue
from app.jobs.registry import JobContext, job, registry

__all__ = ["JobContext", "JobQueue", "job", "open_queue", "registry"]
