"""Recognise coordinates and postcodes in what people type.

Typed coordinates need decimals ("51.83, 10.78", "51,83 10,78"): two plain numbers ("39 104",
"14 30", "1 2", "3,5") are a postcode written with a space, a time, a count or a decimal
number, never a position. A geo URI ("geo:52,13") is explicit and may use whole degrees.
A pair listed with ", " or ";" but lacking decimals ("90, 180", "89.99, 0") is shaped like
coordinates (parse_rough_coordinates): good enough to tell someone it is not in Germany, too
rough to search at. Only ASCII digits count: "٣٩١٠٤" is not a postcode.
"""

from __future__ import annotations

import re

_DOT = r"[-+]?[0-9]{1,3}\.[0-9]+"
_COMMA = r"[-+]?[0-9]{1,3},[0-9]+"
_WHOLE = r"[-+]?[0-9]{1,3}(?:\.[0-9]+)?"
# "51.83, 10.78", "51.83,10.78", "51.83 10.78", "51.83;10.78"
_DOT_PAIR_RE = re.compile(rf"^({_DOT})\s*(?:[,;]\s*|\s+)({_DOT})$")
# German decimal comma: "51,83 10,78", "51,83; 10,78"
_COMMA_PAIR_RE = re.compile(rf"^({_COMMA})\s*(?:;\s*|\s+)({_COMMA})$")
# "90, 180", "-85; 11", "89.99, 0": a listed pair, whole degrees allowed
_ROUGH_PAIR_RE = re.compile(rf"^({_WHOLE})\s*(?:;\s*|,\s+)({_WHOLE})$")
_GEO_URI_RE = re.compile(r"^geo:\s*", re.IGNORECASE)
# geo:52.52,13.40 or geo:52,13 (RFC 5870; Matrix m.location), optionally ";u=35" and more
_GEO_PAIR_RE = re.compile(rf"^({_WHOLE}),\s*({_WHOLE})(?:,[-+]?[0-9.]+)?(?:;.*)?$")

# "39104", "39 104", "39104 Magdeburg", "39104, Magdeburg", "Magdeburg 39104", "D-39104"
_CODE = r"[0-9]{5}|[0-9]{2} [0-9]{3}|[0-9]{4}"
_POSTCODE_FIRST_RE = re.compile(rf"^(?:D-?\s*)?({_CODE})(?:[\s,]+([^0-9].*))?$", re.IGNORECASE)
_POSTCODE_LAST_RE = re.compile(r"^([^0-9].*?)[\s,]+([0-9]{5}|[0-9]{2} [0-9]{3})$")

COORD_DECIMALS = 5  # about 1 m


def parse_coordinates(text: str) -> tuple[float, float] | None:
    """(lat, lon) if text is shaped like a coordinate pair (not range-checked), else None."""
    t = text.replace("°", "").strip()
    if _GEO_URI_RE.match(t):
        m = _GEO_PAIR_RE.match(_GEO_URI_RE.sub("", t))
    else:
        m = _DOT_PAIR_RE.match(t) or _COMMA_PAIR_RE.match(t)
    if m is None:
        return None
    return float(m.group(1).replace(",", ".")), float(m.group(2).replace(",", "."))


def parse_rough_coordinates(text: str) -> tuple[float, float] | None:
    """(lat, lon) for a listed pair of numbers without the decimals a position needs."""
    m = _ROUGH_PAIR_RE.match(text.replace("°", "").strip())
    return (float(m.group(1)), float(m.group(2))) if m else None


def in_range(lat: float, lon: float) -> bool:
    return -90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0


def format_coordinate(x: float) -> str:
    """Shortest form of x rounded to COORD_DECIMALS: 51.83 -> "51.83", 10.0 -> "10"."""
    s = f"{round(x, COORD_DECIMALS):.{COORD_DECIMALS}f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def coordinate_id(lat: float, lon: float) -> str:
    return f"c{format_coordinate(lat)},{format_coordinate(lon)}"


_ID_NUMBER_RE = re.compile(r"^-?[0-9]{1,3}(?:\.[0-9]{1,12})?$")


def parse_coordinate_id(place_id: str) -> tuple[float, float] | None:
    lat_s, sep, lon_s = place_id[1:].partition(",")
    if not place_id.startswith("c") or not sep:
        return None
    if not (_ID_NUMBER_RE.match(lat_s) and _ID_NUMBER_RE.match(lon_s)):
        return None  # float() would also take "nan", "1e3", " 5", "\u0665"
    lat, lon = float(lat_s), float(lon_s)
    return (lat, lon) if in_range(lat, lon) else None


def parse_postcode(text: str) -> tuple[str, str] | None:
    """(postcode digits, rest of the text) if text is a postcode with an optional place
    name before or after it; 4 digits are returned as typed (a lost leading zero)."""
    m = _POSTCODE_FIRST_RE.match(text)
    if m:
        return m.group(1).replace(" ", ""), (m.group(2) or "").strip()
    m = _POSTCODE_LAST_RE.match(text)
    if m:
        return m.group(2).replace(" ", ""), m.group(1).strip()
    return None
