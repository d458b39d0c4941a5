"""Street-level positions through an online geocoder: off by default, switched on by the
operator (NAHBAR_GEOCODER=nominatim). Only the organiser's venue address is ever sent, at most
one request a second (Nominatim's usage policy), with the operator's User-Agent; tests never
use it. Without it, an offer stands at its town's centre until the organiser shares the spot.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from .geo import distance_km

log = logging.getLogger(__name__)
MAX_FROM_TOWN_KM = 25.0  # a hit further from the town typed is somewhere else of that name


class NominatimGeocoder:
    def __init__(
        self,
        user_agent: str,
        *,
        timeout: float = 5.0,
        min_interval: float = 1.0,
        client: Any = None,
    ) -> None:
        if client is None:
            from geopy.geocoders import Nominatim

            client = Nominatim(user_agent=user_agent, timeout=timeout)
        self._client = client
        self._min_interval = min_interval
        self._lock = asyncio.Lock()
        self._last = 0.0

    async def locate(
        self, address: str, town: str, near: tuple[float, float]
    ) -> tuple[float, float] | None:
        """The position of `address` in `town`, if found near the town's centre; None otherwise
        (also when the service is unreachable: the town's centre is good enough)."""
        if not address.strip():
            return None
        query = f"{address}, {town}, Deutschland"
        async with self._lock:  # one request at a time, at most one a second
            wait = self._min_interval - (time.monotonic() - self._last)
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                found = await asyncio.to_thread(self._client.geocode, query, country_codes="de")
            except Exception:  # the geocoder is a nicety, never a failure
                log.warning("geocoder unavailable", exc_info=True)
                found = None
            finally:
                self._last = time.monotonic()
        if found is None:
            return None
        point = (round(found.latitude, 4), round(found.longitude, 4))
        return point if distance_km(*point, *near) <= MAX_FROM_TOWN_KM else None
