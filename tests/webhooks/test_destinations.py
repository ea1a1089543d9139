"""Where a webhook may be sent: public addresses on the standard port, resolved once (no DNS rebinding),
and no IPv6 form that wraps a private IPv4 address."""

import socket

import pytest

from webhooks import services
from webhooks.services import webhook_url_errors


@pytest.fixture(autouse=True)
def no_local_http(settings):
    settings.WEBHOOKS_ALLOW_LOCAL_HTTP = False


@pytest.mark.parametrize(
    "url",
    [
        "https://[::ffff:10.0.0.1]/hooks",  # IPv4-mapped
        "https://[::ffff:7f00:1]/hooks",
        "https://[64:ff9b::a00:1]/hooks",  # NAT64 of 10.0.0.1
        "https://[2002:a00:1::]/hooks",  # 6to4 of 10.0.0.1
        "https://[::10.0.0.1]/hooks",  # IPv4-compatible
        "https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/hooks",  # Teredo
        "https://[fd00::1]/hooks",  # unique local
        "https://169.254.169.254/latest/meta-data",  # cloud metadata
        "https://0.0.0.0/hooks",
    ],
)
def test_private_addresses_in_every_spelling_are_refused(url):
    assert "private or reserved" in str(webhook_url_errors(url)[0])


@pytest.mark.parametrize("url", ["https://erp.example.com:8443/hooks", "https://erp.example.com:22/", "https://93.184.216.34:6379/"])
def test_only_the_standard_https_port_is_allowed(url):
    assert "standard port" in str(webhook_url_errors(url)[0])


@pytest.mark.parametrize("url", ["https://erp.example.com/hooks", "https://erp.example.com:443/hooks", "https://[2606:4700::6810:84e5]/hooks"])
def test_public_receivers_on_443_are_accepted(url):
    assert webhook_url_errors(url) == []


def test_a_name_is_resolved_once_and_the_checked_address_is_the_one_connected_to(monkeypatch):
    """A rebinding DNS server answers a public address for the check, then 127.0.0.1: the second answer is never asked for."""
    answers = iter(["93.184.216.34", "127.0.0.1", "127.0.0.1"])
    lookups, connections = [], []

    def getaddrinfo(host, port, *args, **kwargs):
        lookups.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]

    def create_connection(address, timeout=None, *args, **kwargs):
        connections.append(address)
        raise ConnectionRefusedError("test: not connecting anywhere")

    monkeypatch.setattr(services.socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(services.socket, "create_connection", create_connection)
    status, error = services._post("https://rebind.example.com/hooks", b"{}", {"Content-Type": "application/json"})
    assert status is None and "not connecting" in error
    assert lookups == ["rebind.example.com"]
    assert connections == [("93.184.216.34", 443)]


def test_a_name_with_any_private_answer_is_refused_before_connecting(monkeypatch):
    def getaddrinfo(host, port, *args, **kwargs):
        return [
            (socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("2606:4700::6810:84e5", port, 0, 0)),
            (socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("64:ff9b::a00:1", port, 0, 0)),
        ]

    def create_connection(*args, **kwargs):
        raise AssertionError("must not connect")

    monkeypatch.setattr(services.socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(services.socket, "create_connection", create_connection)
    status, error = services._post("https://mixed.example.com/hooks", b"{}", {})
    assert status is None and "private or reserved" in error
