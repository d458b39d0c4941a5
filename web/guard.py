"""What every request passes: a per-client request limit, friendly error pages instead of
stack traces, and headers that keep pages out of other sites' frames (except the embed)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict

from aiohttp import web

from handlers.i18n import N_

from .query import BadRequest, language
from .render import page

log = logging.getLogger(__name__)
MAX_CLIENTS = 10_000  # buckets kept; the least recently seen client is forgotten first
UNLIMITED = frozenset({"/healthz", "/readyz", "/metrics"})  # operators' probes and Prometheus
EMBEDDABLE = ("/embed",)  # the only pages other sites may put in a frame

_ERRORS = {  # status -> (heading, explanation) msgids
    400: (N_("This request cannot be answered"), N_("Something in the address is not right.")),
    403: (
        N_("Not for you"),
        N_(
            "These pages are for coordinators. Ask Nahbar in your chat for a new login link: "
            "/lage, then “Open the web pages”."
        ),
    ),
    404: (
        N_("Not found"),
        N_("This page does not exist (any more). Perhaps the offer has ended or was cancelled."),
    ),
    405: (N_("Not possible"), N_("This page can only be read.")),
    413: (N_("Too large"), N_("This request is too large.")),
    429: (
        N_("Please slow down"),
        N_("Too many requests from your connection. Please wait a minute and try again."),
    ),
    500: (N_("Something went wrong on our side"), N_("Please try again in a moment.")),
}


class Limiter:
    """A token bucket per client address: `per_minute` requests, refilled evenly."""

    def __init__(self, per_minute: int, clock=time.monotonic) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.clock = clock
        self.buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def allow(self, client: str) -> bool:
        now = self.clock()
        tokens, seen = self.buckets.pop(client, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - seen) * self.rate)
        allowed = tokens >= 1
        self.buckets[client] = (tokens - 1 if allowed else tokens, now)
        if len(self.buckets) > MAX_CLIENTS:
            self.buckets.popitem(last=False)
        return allowed

    def retry_after(self) -> int:
        return max(1, round(1 / self.rate))


def error_page(request: web.Request, status: int, why: str = "") -> web.Response:
    heading, explanation = _ERRORS.get(status, _ERRORS[500 if status >= 500 else 400])
    return page(
        "error.html",
        language(request),
        status=status,
        heading=heading,
        explanation=why or explanation,
    )


def middlewares(limiter: Limiter) -> list:
    @web.middleware
    async def limit(request: web.Request, handler):
        if request.path not in UNLIMITED and not limiter.allow(request.remote or "?"):
            response = error_page(request, 429)
            response.headers["Retry-After"] = str(limiter.retry_after())
            return response
        return await handler(request)

    @web.middleware
    async def friendly_errors(request: web.Request, handler):
        try:
            return await handler(request)
        except BadRequest as exc:
            return error_page(request, 400, exc.why)
        except web.HTTPException as exc:
            if exc.status < 400:
                raise  # redirects and "not modified" pass
            response = error_page(request, exc.status)
            if exc.status == 405 and "Allow" in exc.headers:
                response.headers["Allow"] = exc.headers["Allow"]
            return response
        except asyncio.CancelledError:
            raise
        except Exception:  # logged for the operator, a plain page for the reader
            log.exception("error while answering %s", request.path[:200])
            return error_page(request, 500)

    @web.middleware
    async def headers(request: web.Request, handler):
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            response = exc
        framed = request.path.startswith(EMBEDDABLE)
        h = response.headers
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("Referrer-Policy", "no-referrer")
        h.setdefault(
            "Content-Security-Policy",
            "default-src 'none'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
            "form-action 'self'; base-uri 'none'; "
            + ("frame-ancestors *" if framed else "frame-ancestors 'none'"),
        )
        if not framed:
            h.setdefault("X-Frame-Options", "DENY")
        if isinstance(response, web.HTTPException):
            raise response
        return response

    return [headers, limit, friendly_errors]
