"""Log records as JSON lines (NAHBAR_LOG_FORMAT=json), with python-json-logger.

Every line has time, level, logger and message (and the exception's type and traceback, whose
texts never hold parameters: the engine hides them, models.db). What the messages say is the
same as in the text format, which never names a chat, a person or what they wrote.
"""

from __future__ import annotations

import logging

from pythonjsonlogger.json import JsonFormatter


def json_formatter() -> logging.Formatter:
    return JsonFormatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
    )
