"""The moderators as other features meet them: the answer to someone who may not moderate,
and telling the moderators of an offer that waits for them. Posting, managing, ideas and
moderation all use it, so none of them imports another for it."""

from __future__ import annotations

import logging

from models import Offer
from models.conversations import reach
from models.moderation import Action, log, moderators
from models.outbox import Outgoing, enqueue
from models.proposals import proposal_for

from .context import Turn
from .messages import Reply

log_ = logging.getLogger(__name__)
REVIEW = "review"  # outbox kind: "a new offer waits for you" (composed by handlers.moderation)


async def refused(turn: Turn, what: str) -> list[Reply]:
    """Someone who is not a moderator asked for `what` a moderator may do: logged, refused."""
    log_.warning("refused %s for user %s: not a moderator", what, turn.user.id)
    log(turn.session, turn.user, Action.REFUSED, subject_id=turn.user.id, note=what, now=turn.now)
    t = turn.t
    return [Reply(t("Only moderators may do that."), notice=t("Only moderators may do that."))]


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
