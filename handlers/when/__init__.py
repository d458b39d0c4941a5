"""Understanding the organiser's answer to "When?" and saying back what was understood.

    parse_when(text, now) -> Understood | NotUnderstood
    confirm(t, understood, now) -> str     # generated from the stored Schedule only
    explain(t, not_understood) -> str      # friendly, with an example
"""

from .confirm import confirm, explain, schedule_words
from .parse import DEFAULT_DURATION, NotUnderstood, Understood, parse_when
from .reading import Problem

__all__ = ["DEFAULT_DURATION", "NotUnderstood", "Problem", "Understood", "confirm", "explain",
           "parse_when", "schedule_words"]
