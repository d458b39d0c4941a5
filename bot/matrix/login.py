"""Logging in so that a restart keeps the same device, and with it the keys of encrypted rooms.

The store directory (MATRIX_STORE_PATH) holds nio's crypto store (`<user>_<device>.db`: the
device's keys, the room keys, the sync token) and `session.json` with the device id, plus the
access token when we logged in with a password. With MATRIX_ACCESS_TOKEN the homeserver tells
us the device (whoami); with MATRIX_PASSWORD we log in once and afterwards reuse the stored
token, or log in again *as the same device* when the token has been revoked.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import aiohttp
from nio import AsyncClient, ErrorResponse, LoginResponse, WhoamiResponse

from ..settings import Settings

log = logging.getLogger(__name__)
SESSION_FILE = "session.json"
# Answers that mean "these credentials are wrong", not "try again later".
_REFUSED = {
    "M_FORBIDDEN",
    "M_UNKNOWN_TOKEN",
    "M_MISSING_TOKEN",
    "M_USER_DEACTIVATED",
    "M_INVALID_USERNAME",
    "M_INVALID_PARAM",
}


class BadCredentials(Exception):
    """The homeserver refused the configured credentials: retrying will not help."""


class HomeserverUnavailable(Exception):
    """No answer, or not a usable one: try again later."""


def prepare_store(path: Path) -> Path:
    """The store directory, created private: it holds the device's secret keys."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)
    return path


def _read_session(store: Path) -> dict:
    try:
        data = json.loads((store / SESSION_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_session(store: Path, data: dict) -> None:
    target = store / SESSION_FILE
    temporary = target.with_suffix(".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump(data, handle)
    os.replace(temporary, target)


async def log_in(client: AsyncClient, settings: Settings) -> None:
    """Log the client in and load its crypto store, keeping the device of the last run.

    Raises BadCredentials or HomeserverUnavailable.
    """
    try:
        if settings.matrix_access_token is not None:
            await _with_token(client, settings)
        else:
            await _with_password(client, settings)
    except (TimeoutError, aiohttp.ClientError, OSError) as exc:
        raise HomeserverUnavailable(f"{type(exc).__name__}: cannot reach the homeserver") from None


async def _with_token(client: AsyncClient, settings: Settings) -> None:
    token = settings.matrix_access_token.get_secret_value()
    client.access_token = token
    who = await client.whoami()
    _check(who, "MATRIX_ACCESS_TOKEN")
    if who.user_id != settings.matrix_user_id:
        raise BadCredentials(
            f"MATRIX_ACCESS_TOKEN belongs to another account than MATRIX_USER_ID "
            f"({settings.matrix_user_id})"
        )
    if not who.device_id:
        raise BadCredentials("the homeserver did not name the device of MATRIX_ACCESS_TOKEN")
    store = prepare_store(settings.matrix_store_path)
    _write_session(
        store,
        {
            "homeserver": settings.matrix_homeserver,
            "user_id": who.user_id,
            "device_id": who.device_id,
        },
    )
    client.restore_login(who.user_id, who.device_id, token)


async def _with_password(client: AsyncClient, settings: Settings) -> None:
    store = prepare_store(settings.matrix_store_path)
    saved = _read_session(store)
    same_account = (
        saved.get("user_id") == settings.matrix_user_id
        and saved.get("homeserver") == settings.matrix_homeserver
    )
    if same_account and saved.get("access_token") and saved.get("device_id"):
        client.access_token = saved["access_token"]
        who = await client.whoami()
        if isinstance(who, WhoamiResponse) and who.user_id == settings.matrix_user_id:
            client.restore_login(who.user_id, saved["device_id"], saved["access_token"])
            return
        if not (isinstance(who, ErrorResponse) and who.status_code in _REFUSED):
            _check(who, "the stored session")  # an outage: HomeserverUnavailable
        log.info("the stored Matrix session has ended; logging in again as the same device")
    client.access_token = ""
    client.device_id = saved.get("device_id") if same_account else None
    response = await client.login(
        settings.matrix_password.get_secret_value(), device_name=settings.matrix_device_name
    )
    _check(response, "MATRIX_USER_ID / MATRIX_PASSWORD")
    assert isinstance(response, LoginResponse)
    _write_session(
        store,
        {
            "homeserver": settings.matrix_homeserver,
            "user_id": response.user_id,
            "device_id": response.device_id,
            "access_token": response.access_token,
        },
    )
    if client.device_id == saved.get("device_id"):
        await _republish_if_forgotten(client)


async def _republish_if_forgotten(client: AsyncClient) -> None:
    """A logout deletes the device on the homeserver, keys and all; logging in again as the
    same device brings the device back, but without its keys. Publish them again, or nobody
    can send the bot encrypted messages any more."""
    transport = await client.send(
        "POST",
        "/_matrix/client/v3/keys/query",
        json.dumps({"device_keys": {client.user_id: [client.device_id]}}),
        headers={
            "Authorization": f"Bearer {client.access_token}",
            "Content-Type": "application/json",
        },
    )
    if transport.status != 200:
        return  # unknown: leave it; the next start checks again
    known = (await transport.json()).get("device_keys", {}).get(client.user_id, {})
    if client.device_id not in known and client.olm is not None:
        log.info("the homeserver had forgotten this device's keys; publishing them again")
        client.olm.account.shared = False  # the next key upload sends the device keys too


def _check(response: object, what: str) -> None:
    if isinstance(response, ErrorResponse):
        if response.status_code in _REFUSED:
            raise BadCredentials(f"the homeserver refused {what} ({response.status_code})")
        raise HomeserverUnavailable(f"homeserver answered {response.status_code or 'an error'}")
    if not isinstance(response, (LoginResponse, WhoamiResponse)):
        raise HomeserverUnavailable(f"unexpected answer {type(response).__name__}")
