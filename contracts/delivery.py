"""The contract between the scheduler's outbox and the chat platforms.

A `Messenger` delivers neutral replies to a chat address on its platform ("telegram",
"matrix", "terminal"). Adapters in `bot/` implement it; the outbox dispatcher only knows this
interface (scheduler/dispatcher.py), so a new platform plugs in without touching the
scheduler. What went wrong is told by the exception type, so the dispatcher can decide between
waiting, retrying and giving up.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from .messages import Reply


class DeliveryError(Exception):
    """Base class: the replies were not (all) delivered.

    `delivered` says how many of the replies reached the chat before the failure (0 when
    unknown), so a retry of queued replies does not repeat them.
    """

    delivered: int = 0


class RetryAfter(DeliveryError):
    """The platform asked us to wait (Telegram 429 `retry_after`, Matrix `M_LIMIT_EXCEEDED`)."""

    def __init__(self, seconds: float, detail: str = "") -> None:
        super().__init__(detail or f"retry after {seconds:g} s")
        self.seconds = max(0.0, float(seconds))


class TransientError(DeliveryError):
    """A network error, timeout or 5xx: worth retrying with back-off, up to a limit."""


class Unreachable(DeliveryError):
    """The recipient blocked the bot, left the room, or the chat is gone: never retry; the
    recipient's subscriptions are paused until they write again."""


class Rejected(DeliveryError):
    """The platform refused this content for good (e.g. a malformed message): park it."""


class SendLimiter(Protocol):
    """A sending rate limit (scheduler.ratelimit): per chat and for the whole bot."""

    def chat_wait(self, chat_id: str) -> float:
        """Seconds until `chat_id` may receive again (0: now)."""
        ...

    async def acquire(self, chat_id: str, bulk: bool = False) -> None:
        """Wait for a slot to send one message to `chat_id` (`bulk`: a weekly post)."""
        ...

    def hold(self, seconds: float) -> None:
        """The platform asked us to wait: nothing goes out for `seconds`."""
        ...


@runtime_checkable
class Messenger(Protocol):
    """Delivers replies on one platform; what the dispatcher may ask of it besides `deliver`
    is declared here, so every messenger says it (None or False where it does not apply)."""

    platform: str
    # The rate limit its sends go through; None: no limits (the terminal has nothing to
    # protect).
    limiter: SendLimiter | None
    # True when every platform call already goes through `limiter` (Telegram's through PTB):
    # the dispatcher then does not acquire again and uses it only to let other chats go first.
    limits_itself: bool
    # The chat ids it can deliver to, when not every chat of its platform (the terminal
    # serves the one person at it); None: all.
    chats: Sequence[str] | None

    async def deliver(self, chat_id: str, replies: Sequence[Reply]) -> None:
        """Send the replies, in order, to `chat_id` (the part after "<platform>:").

        Raises one of the DeliveryError subclasses; any other exception counts as transient.
        """
        ...
