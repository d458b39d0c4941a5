"""The messenger contract, kept here for its importers: it lives in the leaf
`contracts.delivery`."""

from contracts.delivery import (
    DeliveryError,
    Messenger,
    Rejected,
    RetryAfter,
    SendLimiter,
    TransientError,
    Unreachable,
)

__all__ = [
    "DeliveryError",
    "Messenger",
    "Rejected",
    "RetryAfter",
    "SendLimiter",
    "TransientError",
    "Unreachable",
]
