"""The neutral contracts every part speaks: messages (`messages.py`), delivering them
(`delivery.py`) and serving a chat platform (`platform.py`).

A leaf: nothing here imports the project, so the conversation core (handlers/), the outbox
(scheduler/) and the adapters (bot/) can all depend on it without depending on each other.
"""
