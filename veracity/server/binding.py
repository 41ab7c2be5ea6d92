"""Refuse to expose an unauthenticated server beyond this machine."""

from __future__ import annotations

import ipaddress

from veracity.errors import VeracityError


class BindRefusedError(VeracityError):
    """The server was asked to listen on a non-loopback address without a token."""


def is_loopback(host: str) -> bool:
    """True for `localhost` and loopback IP addresses (127.0.0.0/8, ::1); False for anything else."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False  # a host name could resolve anywhere: treat it as exposed


def check_bind(host: str, token: str | None, insecure: bool = False) -> None:
    """Raise `BindRefusedError` for a non-loopback `host` with no `token`, unless `insecure`."""
    if is_loopback(host) or (token is not None and token.strip()) or insecure:
        return
    raise BindRefusedError(
        f"refusing to listen on {host} (not a loopback address) without authentication: "
        "set VERACITY_API_TOKEN to require a bearer token, or pass --insecure to serve without one"
    )
