"""The address rule: global per ``ipaddress``, not in the project's extra table, and every IPv4
address carried inside an IPv6 one passes too (issue 14, case 1)."""

from __future__ import annotations

import ipaddress

import pytest

from bot.feeds.addresses import EXTRA_REFUSED, embedded_ipv4, is_public_address, parse_address, refusal


@pytest.mark.parametrize("address", [
    "::7f00:1",  # IPv4-compatible loopback: global to Python 3.11
    "::a00:1",  # IPv4-compatible 10.0.0.1
    "::808:808",  # IPv4-compatible, even with a public address inside: never routed
    "64:ff9b:1::1",  # NAT64 local use (RFC 8215): global to Python 3.11
    "64:ff9b::7f00:1",  # well-known NAT64 prefix carrying loopback
    "64:ff9b::a9fe:a9fe",  # ... carrying the cloud metadata address
    "::ffff:169.254.169.254",
    "2002:a9fe:a9fe::1",  # 6to4 carrying 169.254.169.254
    "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo (client 127.0.0.1 obfuscated)
    "fec0::1", "ff02::1", "ff0e::1", "5f00::1", "3fff::1",
    "224.0.0.1", "239.255.255.250", "192.0.0.8", "192.88.99.1",
])
def test_refused(address: str) -> None:
    ip = ipaddress.ip_address(address)
    assert not is_public_address(ip)
    assert refusal(ip)


@pytest.mark.parametrize("address", [
    "8.8.8.8", "2606:4700:4700::1111",
    "::ffff:8.8.8.8",  # IPv4-mapped public: the connection goes to 8.8.8.8 itself
    "64:ff9b::808:808",  # NAT64 of a public address: how IPv6-only hosts reach IPv4 sites
    "2002:808:808::1",  # 6to4 of a public address
])
def test_allowed(address: str) -> None:
    assert is_public_address(ipaddress.ip_address(address))


def test_the_table_covers_what_python_calls_global() -> None:
    """Each entry must matter: it refuses something (not only what ``is_global`` refuses anyway on
    some version), and the ranges named in the issue are there."""
    names = {str(net) for net, _ in EXTRA_REFUSED}
    assert {"::/96", "64:ff9b:1::/48"} <= names
    for net, why in EXTRA_REFUSED:
        assert why
        assert not is_public_address(net.network_address + 1)


def test_embedded_forms_unwrapped() -> None:
    def inner(text: str) -> list[str]:
        return [str(a) for a in embedded_ipv4(ipaddress.ip_address(text))]

    assert inner("::ffff:10.1.2.3") == ["10.1.2.3"]
    assert inner("::7f00:1") == ["127.0.0.1"]
    assert inner("64:ff9b::a00:1") == ["10.0.0.1"]
    assert inner("2002:c0a8:101::1") == ["192.168.1.1"]
    assert inner("2001:0:4136:e378:8000:63bf:80ff:fffe") == ["65.54.227.120", "127.0.0.1"]
    assert inner("2606:4700::1") == [] and inner("8.8.8.8") == []
    why = refusal(ipaddress.ip_address("2002:c0a8:101::1"))
    assert why is not None and "192.168.1.1" in why


def test_parse_address() -> None:
    assert parse_address("[::1]") == ipaddress.ip_address("::1")
    assert parse_address("fe80::1%eth0") == ipaddress.ip_address("fe80::1")
    assert parse_address("example.com") is None and parse_address("127.1") is None
