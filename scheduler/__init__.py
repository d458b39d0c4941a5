"""Background jobs on APScheduler 3: keep occurrences ahead, purge what is no longer needed.

The database says what is due; jobs only pick it up, so a restart loses and repeats nothing.
"""

from .jobs import build_scheduler, run_maintenance

__all__ = ["build_scheduler", "run_maintenance"]
