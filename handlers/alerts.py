"""Alerts about new offers near the home place, in the kinds a person chose: opt-in, at most one
message a day that bundles them (models.digests.plan_alerts decides what is new).

Settings sub-message: "al" shows it and switches it on or off, "ak" toggles a kind ("all" for
every kind). The message is composed when it is sent (`compose_alert`): offers withdrawn in
the meantime are left out, and nothing is sent when none is left.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Occurrence, Offer, OfferStatus, User
from models.categories import BY_KEY, CATEGORIES, category
from models.digests import ALERT, Alert, alert_of
from models.outbox import Claimed
from scheduler.compose import Drop

from .buttons import ButtonData, OneOf
from .common import home_words, stale_button
from .context import Turn
from .dialogue import Feature, on
from .formatting import bold, lines, when
from .handover import Alerts, AskHome, Settings, ShowOffer
from .i18n import Translator
from .messages import Button, Reply
from .post_lines import kinds_words
from .text import shorten


class AlertKind(ButtonData, prefix="ak"):
    kind: Annotated[str, OneOf(("all", *BY_KEY))]


async def show(turn: Turn, pressed: Alerts) -> list[Reply]:
    argument = pressed.switch
    if turn.msg.group:
        return [stale_button(turn)]  # alerts are a person's, in their private chat
    if argument == "on":
        if turn.user.home_lat is not None and await alert_of(turn.session, turn.user.id) is None:
            turn.session.add(
                Alert(
                    user_id=turn.user.id, chat=turn.msg.chat, categories=[], since=turn.now, told=[]
                )
            )
            await turn.session.flush()
            return [await _view(turn, notice=turn.t("Alerts switched on."))]
        return [await _view(turn)]
    if argument == "off":
        alert = await alert_of(turn.session, turn.user.id)
        if alert is not None:
            await turn.session.delete(alert)
            await turn.session.flush()
        return [await _view(turn, notice=turn.t("Alerts switched off."))]
    return [await _view(turn)]


async def toggle_kind(turn: Turn, pressed: AlertKind) -> list[Reply]:
    key = pressed.kind
    alert = await alert_of(turn.session, turn.user.id)
    if alert is None or turn.msg.group:
        return [stale_button(turn)]
    chosen = set(alert.categories or [])
    if key == "all":
        chosen = set()
    elif key in chosen:
        chosen.discard(key)
    else:
        chosen.add(key)
    alert.categories = [
        c.key for c in CATEGORIES if c.key in chosen
    ]  # a new list: the JSON change is seen
    return [await _view(turn)]


async def _view(turn: Turn, notice: str | None = None) -> Reply:
    t, user = turn.t, turn.user
    edit = turn.msg.button is not None
    back = (Button(t("⚙️ Settings"), Settings().pack()),)
    text: list[str] = [bold(t("🆕 New offers near you"))]
    if user.home_lat is None:
        text += [
            t(
                "When new meetings are offered near your home place, I can tell you – at most "
                "once a day."
            ),
            "",
            t("For that I need your home place first."),
        ]
        return Reply(
            lines(text),
            buttons=((Button(t("🏠 Choose home place"), AskHome().pack()),), back),
            edit=edit,
            notice=notice,
        )
    text.append(
        t(
            "When new meetings are offered within {km} km of {place}, I tell you – at most once a "
            "day, all in one message.",
            km=user.radius_km,
            place=home_words(t, user),
        )
    )
    alert = await alert_of(turn.session, user.id)
    text.append("")
    if alert is None:
        text.append(t("Now: off."))
        return Reply(
            lines(text),
            buttons=((Button(t("✅ Switch on"), Alerts(switch="on").pack()),), back),
            edit=edit,
            notice=notice,
        )
    text += [
        t("Now: on, for {kinds}.", kinds=kinds_words(t, alert)),
        t("Tap the kinds you are interested in."),
    ]
    chosen = set(alert.categories or [])
    rows = [
        (
            Button(
                ("✓ " if c.key in chosen else "") + f"{c.emoji} {t(c.name)}",
                AlertKind(kind=c.key).pack(),
            ),
        )
        for c in CATEGORIES
    ]
    rows.append(
        (Button(("✓ " if not chosen else "") + t("All kinds"), AlertKind(kind="all").pack()),)
    )
    rows += [(Button(t("🔕 Switch off"), Alerts(switch="off").pack()),), back]
    return Reply(lines(text), buttons=tuple(rows), edit=edit, notice=notice)


async def compose_alert(session: AsyncSession, row: Claimed, now: datetime) -> list[Reply] | None:
    """Payload: {"alert": id, "offers": [ids], "more": how many more were new}."""
    payload = row.payload if isinstance(row.payload, dict) else {}
    alert_id, ids = payload.get("alert"), payload.get("offers")
    if (
        not isinstance(alert_id, int)
        or not isinstance(ids, list)
        or not all(isinstance(i, int) for i in ids)
    ):
        raise Drop("malformed alert payload")
    alert = await session.get(Alert, alert_id)
    if alert is None:
        raise Drop("alerts switched off")
    user = await session.get(User, alert.user_id)
    t = Translator(user.language if user else "de")
    rows = (
        await session.execute(
            select(Offer, Occurrence.starts_at)
            .join(Occurrence, Occurrence.offer_id == Offer.id)
            .where(
                Offer.id.in_(ids), Offer.status == OfferStatus.PUBLISHED, Occurrence.starts_at > now
            )
            .order_by(Occurrence.starts_at, Offer.id)
        )
    ).all()
    offers: dict[int, tuple[Offer, datetime]] = {}
    for offer, start in rows:
        offers.setdefault(offer.id, (offer, start))
    if not offers:
        return None
    text = [bold(t("🆕 New near you:")), ""]
    buttons = []
    for number, (offer, start) in enumerate(offers.values(), start=1):
        kind = category(offer.category)
        text.append(Markup("{}. {} ").format(number, kind.emoji) + bold(offer.title, 80))
        text.append(Markup("    {} · {}").format(when(t, start), shorten(offer.place_name, 40)))
        buttons.append(
            (
                Button(
                    f"{number}. {kind.emoji} {shorten(offer.title, 40)}",
                    ShowOffer(offer=offer.id).pack(),
                ),
            )
        )
    if payload.get("more"):
        text += ["", t("… and more: /angebote")]
    # On every platform; on the terminal and Matrix numbered, so "2" opens the second offer.
    buttons.append((Button(t("⚙️ Change alerts"), Alerts().pack()),))
    return [Reply(lines(text), buttons=tuple(buttons))]


FEATURE = Feature(
    name="alerts",
    composers={ALERT: compose_alert},
    buttons=(on(Alerts, show), on(AlertKind, toggle_kind)),
)
