"""The store: typed ORM tables, sessions, migrations and queries."""

from . import (  # noqa: F401  (their tables join the metadata)
    budget,
    companions,
    coordination,
    digests,
    ideas,
    inbox,
    leases,
    moderation,
    organising,
    proposals,
    reminders,
    unmet,
    web_login,
)
from .base import Base, utcnow
from .offers import CellSpan, Cost, Occurrence, Offer, OfferStatus
from .outbox import OutboxMessage, OutboxStatus, PausedChat
from .users import Conversation, User

__all__ = [
    "Base",
    "CellSpan",
    "Conversation",
    "Cost",
    "Occurrence",
    "Offer",
    "OfferStatus",
    "OutboxMessage",
    "OutboxStatus",
    "PausedChat",
    "User",
    "utcnow",
]
