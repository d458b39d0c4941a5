"""Telegram adapter (python-telegram-bot 22): translate updates in, render replies out."""

from .application import build_application

__all__ = ["build_application"]
