"""What settings and the group's weekly post show of a person's weekly post (digest) and
new-offer alerts (alerts), kept here so that they need not import those features."""

from __future__ import annotations

from babel.dates import get_day_names
from markupsafe import Markup

from models.categories import category
from models.digests import Alert, Digest, alert_of, digest_of_user

from .context import Turn
from .i18n import Translator


def weekday_name(t: Translator, weekday: int) -> str:
    return str(get_day_names("wide", locale=t.language)[weekday])


def schedule_words(t: Translator, digest: Digest) -> Markup:
    """ "every Monday at 09:00"."""
    return t(
        "every {weekday} at {time}",
        weekday=weekday_name(t, digest.weekday),
        time=f"{digest.hour:02d}:00",
    )


async def digest_line(turn: Turn) -> Markup:
    """The weekly post's line in the settings message."""
    t = turn.t
    digest = await digest_of_user(turn.session, turn.user.id)
    if digest is None:
        return t("📬 Weekly post: off")
    return t("📬 Weekly post: {when}", when=schedule_words(t, digest))


def kinds_words(t: Translator, alert: Alert) -> Markup | str:
    if not alert.categories:
        return t("all kinds")
    return ", ".join(f"{category(k).emoji} {t(category(k).name)}" for k in alert.categories)


async def alerts_line(turn: Turn) -> Markup:
    """The alerts' line in the settings message."""
    t = turn.t
    alert = await alert_of(turn.session, turn.user.id)
    if alert is None:
        return t("🆕 New offers: off")
    return t("🆕 New offers: on ({kinds})", kinds=kinds_words(t, alert))
