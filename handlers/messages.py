"""The neutral message types, kept here for the features' imports: they live in the leaf
`contracts.messages`, which the scheduler and the adapters import as well."""

from contracts.messages import (
    SHARE_BUTTON,
    SHARE_MENU,
    SHARE_NONE,
    SHARE_TYPED,
    Attachment,
    Button,
    Incoming,
    Reply,
    Venue,
    plain,
    plain_text,
)

__all__ = [
    "SHARE_BUTTON",
    "SHARE_MENU",
    "SHARE_NONE",
    "SHARE_TYPED",
    "Attachment",
    "Button",
    "Incoming",
    "Reply",
    "Venue",
    "plain",
    "plain_text",
]
