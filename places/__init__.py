"""Offline place resolution for Germany (GeoNames data, CC BY 4.0, https://www.geonames.org/).

    from places import Gazetteer
    gaz = Gazetteer.load()
    gaz.resolve("Wernigerode")  # Resolution(status="found", place=Place(...))
"""

from .gazetteer import Gazetteer
from .model import REGIONS, Place, Resolution

__all__ = ["Gazetteer", "Place", "REGIONS", "Resolution"]
