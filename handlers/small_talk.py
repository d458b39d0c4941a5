"""The little words of a conversation: "danke", "ok", "ja", "tschüss". They get a short,
friendly answer instead of being taken for a place name."""

from __future__ import annotations

from .common import main_keyboard
from .context import Turn
from .dialogue import Feature
from .keywords import Intent
from .messages import Reply


async def thanks(turn: Turn, argument: str = "") -> list[Reply]:
    return [Reply(turn.t("You're welcome! 😊 Write to me whenever you are looking for something."))]


async def acknowledged(turn: Turn, argument: str = "") -> list[Reply]:
    return [
        Reply(turn.t("Fine! If you are looking for something, just write your town or postcode."))
    ]


async def yes_or_no(turn: Turn, argument: str = "") -> list[Reply]:
    """ "ja"/"nein" with no open question: say so kindly instead of guessing."""
    return [
        Reply(
            turn.t(
                "I have no open question for you just now. Write your town or postcode, "
                "or tap one of the buttons."
            ),
            keyboard=main_keyboard(turn),
        )
    ]


async def goodbye(turn: Turn, argument: str = "") -> list[Reply]:
    return [Reply(turn.t("Goodbye, and all the best! Write again any time."))]


FEATURE = Feature(
    name="small_talk",
    intents={
        Intent.THANKS: thanks,
        Intent.ACK: acknowledged,
        Intent.YES: yes_or_no,
        Intent.NO: yes_or_no,
        Intent.BYE: goodbye,
    },
)
