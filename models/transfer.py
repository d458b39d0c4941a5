"""Offers, organisers and ideas as one JSON document: `nahbar export --json` and
`nahbar import FILE.json`, to move a running Nahbar to a new store (SQLite to PostgreSQL, one
server to another) or to keep a readable copy beside the database backup.

What goes in: every offer with its schedule and texts (its occurrences are derived and built
again on import), the accounts that organise offers or moderate, with their trust (by chat
address: that is personal data, so the file is, too: keep it like the database backup), and
the idea pool. What stays out: residents, conversations, reminders, subscriptions, the outbox.
Importing restores into a store without offers of its own (a new one: the examples a fresh
store may hold are replaced) and replaces the idea pool; exporting the result gives the same
document again.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Column, Table, bindparam, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from . import occurrences
from .base import Base
from .ideas import Idea
from .offers import Offer
from .users import User

FORMAT, VERSION = "nahbar-export", 1
# Columns that are not carried over: ids (new ones on import), links (by address instead), and
# what is derived or bookkeeping.
_OFFER_SKIP = {"id", "owner_id", "materialised_until"}
_IDEA_SKIP = {"id", "changed_by"}
_ORGANISER_FIELDS = ("language", "trust", "is_moderator", "created_at", "last_seen_at")


class TransferProblem(Exception):
    """The document cannot be imported (nothing was changed)."""


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def _typed(column: Column[Any], value: Any) -> Any:
    """A JSON value back into what the column holds."""
    if value is None:
        return None
    enum_class = getattr(column.type, "enum_class", None)
    if enum_class is not None:
        return enum_class(value)
    kind = getattr(column.type, "impl_instance", column.type)  # a TypeDecorator: what it stores
    try:
        python_type = kind.python_type
    except NotImplementedError:
        return value
    if python_type is datetime:
        return datetime.fromisoformat(value)
    if python_type is date:
        return date.fromisoformat(value)
    return value


def _columns(model: type[Base], skip: set[str]) -> list[Column[Any]]:
    return [c for c in _table(model).columns if c.name not in skip]


def _table(model: type[Base]) -> Table:
    """The model's table (typed as any FROM clause by SQLAlchemy)."""
    return cast(Table, model.__table__)


async def export(session: AsyncSession, now: datetime) -> dict[str, Any]:
    organiser_ids = select(Offer.owner_id).where(Offer.owner_id.is_not(None))
    accounts = list(
        await session.scalars(
            select(User)
            .where(or_(User.id.in_(organiser_ids), User.trust != "new", User.is_moderator))
            .order_by(User.platform, User.platform_id)
        )
    )
    # No organiser: None, which has no address either.
    address: dict[int | None, str] = {user.id: user.address for user in accounts}
    offers = list(await session.scalars(select(Offer).order_by(Offer.id)))
    ideas = list(await session.scalars(select(Idea).order_by(Idea.position, Idea.id)))
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": now.isoformat(),
        "organisers": [
            {"account": user.address, **{f: _plain(getattr(user, f)) for f in _ORGANISER_FIELDS}}
            for user in accounts
        ],
        "offers": [
            {
                **{c.key: _plain(getattr(o, c.key)) for c in _columns(Offer, _OFFER_SKIP)},
                "organiser_account": address.get(o.owner_id),
            }
            for o in offers
        ],
        "ideas": [
            {
                **{c.key: _plain(getattr(i, c.key)) for c in _columns(Idea, _IDEA_SKIP)},
                "changed_by_account": address.get(i.changed_by),
            }
            for i in ideas
        ],
    }


def _check(document: Any) -> None:
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise TransferProblem("not a Nahbar export (made by `nahbar export --json`)")
    if document.get("version") != VERSION:
        raise TransferProblem(
            f"export version {document.get('version')!r}; this Nahbar reads {VERSION}"
        )
    for part in ("organisers", "offers", "ideas"):
        if not isinstance(document.get(part), list) or not all(
            isinstance(i, dict) for i in document[part]
        ):
            raise TransferProblem(f"'{part}' must be a list of objects")


def _fields(model: type[Base], skip: set[str], item: dict[str, Any], where: str) -> dict[str, Any]:
    values = {}
    for column in _columns(model, skip):
        if column.key not in item:
            if column.nullable or column.default is not None or column.server_default is not None:
                continue
            raise TransferProblem(f"{where}: '{column.key}' is missing")
        try:
            values[column.key] = _typed(column, item[column.key])
        except (TypeError, ValueError) as exc:
            raise TransferProblem(f"{where}: '{column.key}': {exc}") from None
    return values


async def import_(session: AsyncSession, document: Any, now: datetime) -> dict[str, int]:
    """Restore the document into this store, in the caller's transaction; returns counts.
    Raises TransferProblem (and changes nothing) for a document it cannot take."""
    _check(document)
    own = await session.scalar(
        select(func.count()).select_from(Offer).where(Offer.is_example.is_(False))
    )
    if own:
        raise TransferProblem(
            f"this store already holds {own} offers; import into a new store "
            "(to add a calendar to a running one, use an .ics or .csv file)"
        )
    accounts: dict[str, User] = {}
    for n, item in enumerate(document["organisers"], start=1):
        platform, _, platform_id = str(item.get("account", "")).partition(":")
        if not platform or not platform_id:
            raise TransferProblem(
                f"organiser {n}: 'account' must be a chat address like telegram:12345"
            )
        user = await session.scalar(
            select(User).where(User.platform == platform, User.platform_id == platform_id)
        )
        if user is None:
            user = User(platform=platform, platform_id=platform_id)
            session.add(user)
        for field in _ORGANISER_FIELDS:
            if field in item:
                setattr(user, field, _typed(_table(User).c[field], item[field]))
        accounts[item["account"]] = user
    await session.flush()

    def owner(item: dict[str, Any], key: str, where: str) -> int | None:
        account = item.get(key)
        if account is None:
            return None
        if account not in accounts:
            raise TransferProblem(f"{where}: '{key}' {account!r} is not among the organisers")
        return accounts[account].id

    await session.execute(delete(Offer).where(Offer.is_example.is_(True)))
    offers = []
    for n, item in enumerate(document["offers"], start=1):
        offer = Offer(
            **_fields(Offer, _OFFER_SKIP, item, f"offer {n}"),
            owner_id=owner(item, "organiser_account", f"offer {n}"),
        )
        session.add(offer)
        offers.append(offer)
    await session.execute(delete(Idea))
    for n, item in enumerate(document["ideas"], start=1):
        session.add(
            Idea(
                **_fields(Idea, _IDEA_SKIP, item, f"idea {n}"),
                changed_by=owner(item, "changed_by_account", f"idea {n}"),
            )
        )
    await session.flush()
    await occurrences.refresh_many(session, offers, now)
    await session.flush()
    # Building the occurrences touched the offers: they keep the time of their last real change.
    changed = [
        {"offer": o.id, "changed": _typed(_table(Offer).c.updated_at, item["updated_at"])}
        for o, item in zip(offers, document["offers"], strict=True)
        if item.get("updated_at")
    ]
    if changed:
        await session.execute(
            update(_table(Offer))
            .where(_table(Offer).c.id == bindparam("offer"))
            .values(updated_at=bindparam("changed")),
            changed,
        )
    return {"organisers": len(accounts), "offers": len(offers), "ideas": len(document["ideas"])}
