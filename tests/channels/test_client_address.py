"""Whose address a request counts against (``channels/addresses.py``): the peer's, or a trusted
proxy's forwarded one, never a client's own X-Forwarded-For; an untrusted local proxy is logged once."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

import pytest

from channels import addresses


@dataclass
class Request:
    """The three attributes of a Sanic request that ``client_address`` reads."""

    ip: str
    remote_addr: str = ""  # what Sanic gives when SANIC_PROXIES_COUNT etc. trust a proxy
    headers: dict = field(default_factory=dict)


@pytest.mark.parametrize("request_, expected", [
    (Request(ip="203.0.113.7"), "203.0.113.7"),
    (Request(ip="203.0.113.7", headers={"x-forwarded-for": "198.51.100.1"}), "203.0.113.7"),  # not believed
    (Request(ip="127.0.0.1", remote_addr="198.51.100.1", headers={"x-forwarded-for": "198.51.100.1"}),
     "198.51.100.1"),                                                                      # a trusted proxy
    (Request(ip=""), ""),
])
def test_client_address(request_, expected):
    assert addresses.client_address(request_) == expected


def test_a_local_proxy_nobody_trusted_is_logged_once(monkeypatch, caplog):
    monkeypatch.setattr(addresses, "_warned", False)
    proxied = Request(ip="127.0.0.1", headers={"x-forwarded-for": "198.51.100.1"})
    with caplog.at_level(logging.WARNING, logger="channels.addresses"):
        addresses.client_address(Request(ip="203.0.113.7", headers={"x-forwarded-for": "1.2.3.4"}))  # not loopback
        assert "no proxy is trusted" not in caplog.text
        addresses.client_address(proxied)
        addresses.client_address(proxied)
    assert caplog.text.count("no proxy is trusted") == 1
