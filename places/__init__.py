"""Offline place resolution for Germany, with the municipalities and villages of
Sachsen-Anhalt (GeoNames data, CC BY 4.0, https://www.geonames.org/; municipality outlines
© GeoBasis-DE / BKG 2017, used at build time; see places/data/README.md).

    from places import Gazetteer
    gaz = Gazetteer.load()
    gaz.resolve("Wernigerode")  # Resolution(status="found", place=Place(...))
    gaz.resolve("Bad Suderode").place.title  # "Bad Suderode, Stadt Quedlinburg"
    gaz.resolve("Wallwitz").choices[0].label  # "Wallwitz (Gemeinde Petersberg)"
    gaz.resolve("0.0, 0.0").status  # "outside": not in or near Germany
"""

from .gazetteer import Gazetteer
from .model import (
    CHOICE,
    FOUND,
    INVALID,
    OUTSIDE,
    REGIONS,
    SUGGEST,
    UNKNOWN,
    Place,
    Resolution,
)

__all__ = [
    "CHOICE",
    "FOUND",
    "INVALID",
    "OUTSIDE",
    "REGIONS",
    "SUGGEST",
    "UNKNOWN",
    "Gazetteer",
    "Place",
    "Resolution",
]
