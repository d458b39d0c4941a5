"""What a file reader hands on: one neutral record per offer-to-be, or the file's problems."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from ..offers import Cost

# Field lengths of the offers table (models.offers); longer text is cut, never refused.
TITLE, ORGANISER, VENUE, ADDRESS, PLACE, PRICE, CONTACT = 120, 120, 120, 200, 80, 60, 200
DESCRIPTION = 2000  # the detail view shows 1,500 characters
RRULE = 200
KEY = 255


MAX_PROBLEMS = 20  # listed per refused file; the rest are counted


class FileProblem(Exception):
    """The file cannot be imported as a whole; nothing is changed. One message per problem."""

    def __init__(self, problems: list[str] | str) -> None:
        problems = [problems] if isinstance(problems, str) else list(problems)
        more = len(problems) - MAX_PROBLEMS
        self.problems = problems[:MAX_PROBLEMS] + ([f"… and {more} more"] if more > 0 else [])
        super().__init__("; ".join(self.problems))


@dataclass
class Record:
    """One event or row read from a file, before its place is resolved.

    Times are Berlin wall clock (naive), as the offers table keeps them. `skip` is set when the
    reader already knows the record cannot become an offer (the reason goes into the report).
    """

    key: str  # external_id: UID, UID + "#" + RECURRENCE-ID, or the CSV key
    ref: str  # where it is in the file, for the report: 'row 4' or 'UID abc@example.org'
    title: str
    start: datetime | None = None
    duration: timedelta = timedelta(hours=2)
    rrule: str | None = None
    exdates: set[date] = field(default_factory=set)  # left out of the repeat (EXDATE, moved dates)
    moved: set[date] = field(
        default_factory=set
    )  # of those, dates changed into offers of their own
    cancelled_days: set[date] = field(default_factory=set)  # dates of the series the file cancels
    description: str = ""
    category: str = "other"
    organiser: str = ""
    contact: str = ""
    cost: Cost = Cost.NOT_STATED
    price: str = ""
    access: dict[str, str | None] = field(
        default_factory=dict
    )  # OSM tag -> value ("wheelchair": "limited")
    # Where: free text as in an iCalendar LOCATION ("Venue, Street 1, 06484 Town") and/or the
    # parts a spreadsheet has in columns of their own, and coordinates if the file has them.
    location: str = ""
    venue: str = ""
    address: str = ""
    town: str = ""  # "06484 Quedlinburg", "Quedlinburg" or "06484"
    geo: tuple[float, float] | None = None
    cancelled: bool = False  # the file cancels it (STATUS:CANCELLED, METHOD:CANCEL)
    # Only cancellations: the record says nothing else about the offer (an iTIP CANCEL message,
    # or a cancelled date whose series is not in the file), so nothing else of it changes.
    partial: bool = False
    quiet: bool = False  # not worth a line in the report when there is no such offer
    skip: str | None = None
