"""Bringing the offers of one import source in line with a file's records.

Identity is (source, external_id): a record whose key is already there updates that offer, a
new key adds one, and an offer of the source whose key the file no longer has is cancelled
(quietly: it comes back when its event does). A cancellation the file states (STATUS:CANCELLED,
METHOD:CANCEL, a new EXDATE for a date on show) is told to residents and stays, as does a
moderator's decision: later imports of the source leave those alone and the report says so
(models.organising has the rules). The caller owns the transaction, so a dry run is the same
work rolled back.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from places import Gazetteer

from .. import occurrences
from ..accessibility import TAGS, Wheelchair, YesNo
from ..offers import Offer, OfferStatus
from ..organising import (
    APPROVED,
    ChangeKind,
    Outcome,
    cancel_date,
    cancelled_upcoming,
    change_offer,
    record_change,
    shown_days,
    told_cancelled,
)
from ..proposals import differences, waiting_among
from ..schedule import to_local
from .records import ORGANISER, Record
from .report import Entry, Report
from .text import line
from .values import is_over, out_of_range
from .where import Where, locate

ACTIVE = (OfferStatus.PUBLISHED, OfferStatus.PENDING, OfferStatus.DRAFT)
OVER = "already over"
Progress = Callable[[int], None]  # told after each record: how many were handled


async def apply(
    session: AsyncSession,
    report: Report,
    records: list[Record],
    *,
    gazetteer: Gazetteer,
    now: datetime,
    review: bool,
    organiser: str,
    progress: Progress | None = None,
) -> Report:
    target = OfferStatus.PENDING if review else OfferStatus.PUBLISHED
    existing = {
        o.external_id: o
        for o in await session.scalars(select(Offer).where(Offer.source == report.source))
    }
    told = await told_cancelled(
        session, [o.id for o in existing.values() if o.status is OfferStatus.CANCELLED]
    )
    waiting = await waiting_among(session, report.source)
    handled: set[str] = set()
    touched: list[Offer] = []  # their occurrences are rebuilt together at the end
    now_local = to_local(now)

    for done, record in enumerate(records, start=1):
        if progress is not None:
            progress(done)
        offer = existing.get(record.key) if record.key else None
        # An iTIP CANCEL may carry no title: the report names the offer it cancels.
        entry = Entry(record.title or (offer.title if offer is not None else ""), record.ref)
        if record.key:
            handled.add(record.key)
        if record.cancelled:  # never undoes a decision: only what is active is cancelled
            _cancel_told(session, report, entry, record, offer, existing, touched, now)
            continue
        kept = _kept(offer, told)
        if kept is not None:
            report.kept.append(_with(entry, kept))
            continue
        if record.partial:  # only dates cancelled (an iTIP CANCEL of single dates)
            if offer is None:
                if not record.quiet:
                    report.skipped.append(
                        _with(entry, "cancels dates of an event that was never imported")
                    )
            elif await _cancel_days(session, report, entry, offer, record.cancelled_days, now):
                touched.append(offer)
            continue
        reason = record.skip or out_of_range(record, now_local)
        if reason is None and is_over(record, now_local):
            reason = OVER
        where: Where | str | None = None
        if reason is None:
            where = locate(gazetteer, record)
            reason = where if isinstance(where, str) else None
        if reason is not None:
            report.skipped.append(_with(entry, reason))
            # A record that cannot be shown any more must not leave its old version on show;
            # one that is merely over is left as it was.
            if offer is not None and offer.status in ACTIVE and reason != OVER:
                touched.append(_cancel(offer))
                report.cancelled.append(_with(entry, f"skipped this time: {reason}"))
            continue
        assert isinstance(where, Where)  # found, as nothing turned the record away
        values = _values(record, where, organiser or "")
        if offer is None:
            offer = Offer(
                source=report.source,
                external_id=record.key,
                owner_id=None,
                is_example=False,
                status=target,
                **values,
            )
            session.add(offer)
            touched.append(offer)
            report.imported.append(_with(entry, where.place_name))
            continue
        # Dates on show that the file now cancels or leaves out are cancelled for good (the
        # schedule is expanded only when the file takes out a day it did not before).
        excluded = (record.cancelled_days | record.exdates) - record.moved - offer.schedule.exdates
        newly = excluded & shown_days(offer, now) if excluded else set()
        cancelled = await _cancel_days(session, report, entry, offer, newly, now)
        if (
            await _update(
                session,
                report,
                entry,
                offer,
                values,
                target=target,
                review=review,
                now=now,
                waiting=offer.id in waiting,
            )
            or cancelled
        ):
            touched.append(offer)
        stays = [
            day
            for day, _ in cancelled_upcoming(offer, now)
            if day not in record.cancelled_days | record.exdates
        ]
        if stays:
            report.kept.append(
                _with(
                    entry,
                    "stays cancelled on "
                    + ", ".join(d.isoformat() for d in stays)
                    + ": residents were told",
                )
            )

    if any(not record.partial for record in records):  # an iTIP CANCEL says nothing of the rest
        for key, offer in existing.items():
            if key not in handled and offer.status in ACTIVE:
                touched.append(_cancel(offer))
                report.cancelled.append(Entry(offer.title, f"id {key}", "no longer in the file"))
    await occurrences.refresh_many(session, list(dict.fromkeys(touched)), now)
    await session.flush()
    return report


def _kept(offer: Offer | None, told: dict[int, datetime]) -> str | None:
    """Why the file must not change this offer: a moderator decided, or residents were told it
    is cancelled (a new event, with a new UID, offers it again)."""
    if offer is None:
        return None
    if offer.status is OfferStatus.REJECTED:
        return "rejected by a moderator; left as it is"
    if offer.status is OfferStatus.CANCELLED and offer.id in told:
        return (
            f"cancelled on {to_local(told[offer.id]):%Y-%m-%d} and residents were told; "
            "left cancelled"
        )
    return None


def _cancel_told(
    session: AsyncSession,
    report: Report,
    entry: Entry,
    record: Record,
    offer: Offer | None,
    existing: dict[str | None, Offer],
    touched: list[Offer],
    now: datetime,
) -> None:
    """The file cancels the offer (and the changed dates of its series): residents are told."""
    family = [offer] if offer is not None else []  # a series: its changed dates go with it
    family += [o for key, o in existing.items() if key and key.startswith(f"{record.key}#")]
    hit = False
    for member in family:
        if member.status in (*ACTIVE, OfferStatus.PAUSED):
            touched.append(_cancel(member))
            record_change(session, member, ChangeKind.CANCELLED, now)
            hit = True
    if hit:
        report.cancelled.append(_with(entry, "cancelled in the file"))
    elif offer is None and not record.quiet:
        report.skipped.append(_with(entry, "cancelled in the file"))


async def _cancel_days(
    session: AsyncSession,
    report: Report,
    entry: Entry,
    offer: Offer,
    days: set[date],
    now: datetime,
) -> bool:
    """Cancel these dates of the offer (those its rule has); True when any was."""
    wanted = sorted(d for d in days - offer.cancelled_dates if offer.rule_schedule.has_day(d))
    for day in wanted:
        await cancel_date(session, offer, day, "", now, refresh=False)
    if wanted:
        report.cancelled.append(
            _with(entry, "cancelled on " + ", ".join(d.isoformat() for d in wanted))
        )
    return bool(wanted)


async def _update(
    session: AsyncSession,
    report: Report,
    entry: Entry,
    offer: Offer,
    values: dict[str, Any],
    *,
    target: OfferStatus,
    review: bool,
    now: datetime,
    waiting: bool,
) -> bool:
    """The file's version of an offer it had before. An approved one stays on show while a
    change waits for review (--review); one a moderator asked to change goes back for review.
    True when what residents see may have changed (its dates are rebuilt)."""
    changed = differences(offer, values)
    if offer.status in APPROVED:
        outcome = await change_offer(
            session,
            offer,
            values,
            by=None,
            direct=not review,
            now=now,
            refresh=False,
            waiting=waiting,
        )
        if outcome is Outcome.WAITING:
            report.updated.append(_with(entry, "waiting for review: " + ", ".join(sorted(changed))))
        elif outcome is Outcome.SAVED:
            report.updated.append(_with(entry, ", ".join(sorted(changed))))
        else:
            report.unchanged.append(entry)
        return outcome is Outcome.SAVED
    if offer.status is OfferStatus.DRAFT:  # a moderator asked for a change
        status = OfferStatus.PENDING if changed else OfferStatus.DRAFT
    elif (
        changed
        or offer.status is OfferStatus.CANCELLED
        or (offer.status is OfferStatus.PENDING and not review)
    ):
        status = target
    else:
        status = offer.status
    if not changed and status is offer.status:
        note = (
            "a moderator asked for a change; waiting for it" if status is OfferStatus.DRAFT else ""
        )
        (report.kept.append(_with(entry, note)) if note else report.unchanged.append(entry))
        return False
    for column, (_, new) in changed.items():
        setattr(offer, column, new)
    offer.status = status
    report.updated.append(_with(entry, ", ".join(sorted(changed)) or f"status {status.value}"))
    return True


def _values(record: Record, where: Where, organiser: str) -> dict[str, Any]:
    return dict(
        title=record.title,
        description=record.description,
        category=record.category,
        organiser=record.organiser or line(organiser, ORGANISER),
        venue_name=where.venue_name,
        address=where.address,
        place_name=where.place_name,
        latitude=where.latitude,
        longitude=where.longitude,
        cost=record.cost,
        price=record.price,
        contact=record.contact,
        starts_local=record.start,
        duration_minutes=int(record.duration.total_seconds() // 60),
        # Dates cancelled in the file are exceptions of the rule, unless residents saw them
        # (then they are cancelled days: apply()).
        rrule=record.rrule,
        exdates=sorted(d.isoformat() for d in record.exdates | record.cancelled_days),
        **{
            column: _access(record.access.get(tag), Wheelchair if tag == "wheelchair" else YesNo)
            for tag, column in TAGS.items()
        },
    )


def _access(value: str | None, kind: type[Wheelchair | YesNo]) -> Wheelchair | YesNo | None:
    return None if value is None else kind(value)


def _cancel(offer: Offer) -> Offer:
    offer.status = OfferStatus.CANCELLED  # refresh_many then drops its dates from the search
    return offer


def _with(entry: Entry, note: str) -> Entry:
    return Entry(entry.title, entry.ref, note)
