"""Telegram adapter (python-telegram-bot 22): translate updates in, render replies out."""

from .application import build_application
from .runner import run_telegram

__all__ = ["build_application", "run_telegram"]
