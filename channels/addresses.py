"""Who is on the other end of a request: the client's network address, for the per-address limits.

Behind no proxy it is the connection's peer (``request.ip``). Behind a reverse proxy every peer is
the proxy, so the address comes from the proxy's headers, **only** when the deployment says how many
proxies to trust: Sanic's own settings, read from the environment, ``SANIC_PROXIES_COUNT`` (e.g. 1
for one nginx, which must then set ``X-Forwarded-For``) or ``SANIC_REAL_IP_HEADER``/
``SANIC_FORWARDED_SECRET``. A client's own ``X-Forwarded-For`` is never believed otherwise (anyone
could send one to dodge the limit, or to spend somebody else's). A loopback peer that sends proxy
headers while none is trusted is logged once: that is a proxy nobody configured, and every patient
behind it would share one limit.

The socket.io server library fills its WSGI-style environ with ``REMOTE_ADDR = 127.0.0.1`` for
every client; the web chat channel reads the Sanic request it carries instead (``environ_address``).
"""
from __future__ import annotations

import ipaddress
import logging

logger = logging.getLogger(__name__)
_warned = False


def client_address(request) -> str:
    """The client's address: the trusted proxies' forwarded one, else the peer's ("" if unknown)."""
    forwarded = request.remote_addr  # "" unless SANIC_PROXIES_COUNT/REAL_IP_HEADER/FORWARDED_SECRET
    if forwarded:
        return forwarded
    peer = request.ip or ""
    _warn_if_untrusted_proxy(peer, request.headers)
    return peer


def environ_address(environ: dict) -> str:
    """``client_address`` of the Sanic request behind a socket.io connection's environ."""
    request = environ.get("sanic.request")
    return client_address(request) if request is not None else ""


def _warn_if_untrusted_proxy(peer: str, headers) -> None:
    global _warned
    if _warned or not ("x-forwarded-for" in headers or "forwarded" in headers):
        return
    try:
        loopback = ipaddress.ip_address(peer.strip("[]")).is_loopback
    except ValueError:
        return
    if loopback:
        _warned = True
        logger.warning("a local proxy forwards requests but no proxy is trusted: every client counts as %s "
                       "for the per-address limits (set SANIC_PROXIES_COUNT, see README 'Deploying')", peer)
