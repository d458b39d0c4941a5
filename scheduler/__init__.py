"""Background jobs on APScheduler 3: keep occurrences ahead, purge what is no longer needed,
and deliver the outbox.

The database says what is due; jobs only pick it up, so a restart loses and repeats nothing.
"""

from .compose import Composers, Drop, enqueue_replies
from .dispatcher import Dispatcher
from .jobs import JOB_DEFAULTS, build_scheduler, run_maintenance, stop_scheduler
from .planners import Planning, run_digests, run_notices, run_reminders
from .ratelimit import RateLimiter
from .retention import Retention

__all__ = [
    "JOB_DEFAULTS",
    "Composers",
    "Dispatcher",
    "Drop",
    "Planning",
    "RateLimiter",
    "Retention",
    "build_scheduler",
    "enqueue_replies",
    "run_digests",
    "run_maintenance",
    "run_notices",
    "run_reminders",
    "stop_scheduler",
]
