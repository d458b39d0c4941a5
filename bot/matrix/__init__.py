"""Matrix adapter (matrix-nio with end-to-end encryption): translate events in, render replies out.

`convert.py` events -> `Incoming`; `render.py` replies -> event contents; `send.py` sending and
the outbox's `MatrixMessenger`; `login.py` a device that survives restarts; `bot.py` syncing,
invites and answering.
"""

from .bot import MatrixBot
from .send import MatrixMessenger

__all__ = ["MatrixBot", "MatrixMessenger"]
