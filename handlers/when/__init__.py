"""Understanding the organiser's answer to "When?" and saying back what was understood.

parse_when(text, now) -> Understood | NotUnderstood
confirm(t, understood, now) -> str     # generated from the stored Schedule only
explain(t, not_understood) -> str      # friendly, with an example of the same sort
amend(old, text, now) -> Understood | NotUnderstood  # "donnerstags" keeps the old time
"""

from .amend import amend, says_when
from .confirm import confirm, explain, schedule_words
from .parse import DEFAULT_DURATION, NotUnderstood, Understood, days_named, parse_when
from .reading import Problem

__all__ = [
    "DEFAULT_DURATION",
    "NotUnderstood",
    "Problem",
    "Understood",
    "amend",
    "confirm",
    "days_named",
    "explain",
    "parse_when",
    "says_when",
    "schedule_words",
]
