"""The moderators as other features meet them: telling the moderators of an offer that waits
for them. Posting, managing and moderation all use it, so none of them imports another for it;
the refusal of someone who may not moderate is handlers.common.refused, applied by the core to
every button and command declared moderators-only."""

from __future__ import annotations

import logging

from models import Offer
from models.conversations import reach
from models.moderation import moderators
from models.outbox import Outgoing, enqueue
from models.proposals import proposal_for

from .context import Turn

log_ = logging.getLogger(__name__)
REVIEW = "review"  # outbox kind: "a new offer waits for you" (composed by handlers.moderation)


async def notify_new(turn: Turn, offer: Offer) -> None:
    """Every moderator (but the sender) hears of an offer or a change waiting for review, once
    (a change edited again while it waits is not announced again)."""
    proposal = await proposal_for(turn.session, offer.id)
    since = proposal.first_at if proposal is not None else offer.submitted_at
    stamp = int((since or turn.now).timestamp())
    messages = []
    for moderator in await moderators(turn.session, turn.services.rights):
        if moderator.id == turn.user.id:
            continue
        messages.append(
            Outgoing(
                key=f"review:{offer.id}:{moderator.id}:{stamp}",
                chat=await reach(turn.session, moderator),
                kind=REVIEW,
                payload={"offer": offer.id},
                due_at=turn.now,
            )
        )
    await enqueue(turn.session, *messages, now=turn.now)
