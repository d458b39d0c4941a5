"""Reading an import file: size limit, encoding, and whether it is iCalendar or CSV."""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from .from_csv import read_csv
from .from_ical import read_ical
from .records import FileProblem, Record

MAX_BYTES = 10 * 1024 * 1024  # years of a town's calendar fit in 2 MB
ICAL_SUFFIXES = {".ics", ".ical", ".icalendar", ".ifb", ".vcs"}
ICAL, CSV = "iCalendar", "CSV"
_FOLD_RE = re.compile(rb"\r?\n[ \t]")


def read_file(path: Path) -> tuple[str, list[Record]]:
    """(kind, records) for the file; FileProblem when it cannot be imported as a whole."""
    try:
        with path.open("rb") as f:
            data = f.read(MAX_BYTES + 1)
    except OSError as exc:
        raise FileProblem(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(data) > MAX_BYTES:
        raise FileProblem(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB")
    looks_like_ical = data.lstrip(codecs.BOM_UTF8 + b" \t\r\n")[:15].upper() == b"BEGIN:VCALENDAR"
    if path.suffix.lower() in ICAL_SUFFIXES or looks_like_ical:
        if not looks_like_ical:
            decode(data)  # a clearer message for an empty, binary or Excel file
            raise FileProblem("not an iCalendar file: it does not begin with BEGIN:VCALENDAR")
        # Unfold before decoding: writers fold at 75 bytes and may cut a character in two.
        return ICAL, read_ical(decode(_FOLD_RE.sub(b"", data)))
    return CSV, read_csv(decode(data))


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM (Excel's "Unicode text"), else Windows-1252,
    as German spreadsheets on Windows save CSV."""
    if not data.strip():
        raise FileProblem("the file is empty")
    if data.startswith(b"PK\x03\x04"):
        raise FileProblem("this is a ZIP or Excel workbook, not CSV: save the table as CSV first")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise FileProblem("the file says it is UTF-16 but is not") from None
    if b"\x00" in data:
        raise FileProblem("this is a binary file, not text")
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileProblem("the text is neither UTF-8 nor Windows-1252")
