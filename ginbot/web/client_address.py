"""Who is asking: the client's address, taken from ``X-Forwarded-For`` only behind a trusted proxy.

Anyone can send ``X-Forwarded-For``, so it means something only when the peer that sent it is one of
``GINBOT_TRUSTED_PROXIES`` (the reverse proxy in front of ginbot). Then the header is read from the right:
each proxy appends the address it got the request from, so the first address that is not itself a
trusted proxy is the client. Without trusted proxies the peer is the client, whatever the header says.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from aiohttp import web

from ginbot.web.keys import SETTINGS_KEY

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

UNKNOWN = "unknown"


def _is_trusted(address: str, trusted: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)


def client_address(peer: str | None, forwarded_for: Sequence[str], trusted: Sequence[Network]) -> str:
    """The client's address given the socket's peer and every ``X-Forwarded-For`` header value."""
    if not peer:
        return UNKNOWN
    if not trusted or not _is_trusted(peer, trusted):
        return peer
    hops = [hop.strip() for value in forwarded_for for hop in value.split(",") if hop.strip()]
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return peer  # a garbled hop: the proxy's own word is all that can be trusted
        if not _is_trusted(hop, trusted):
            return hop
    return hops[0] if hops else peer


def of_request(request: web.Request) -> str:
    trusted = request.app[SETTINGS_KEY].trusted_proxy_networks
    return client_address(request.remote, request.headers.getall("X-Forwarded-For", []), trusted)
