"""Which IP addresses briefbot may connect to when fetching feeds and article pages.

The rule: an address is allowed only when ``ipaddress`` calls it global, it is in none of the extra
ranges below, and every IPv4 address it carries inside (IPv4-mapped, IPv4-compatible, NAT64, 6to4,
Teredo) passes the same rule. The extra table exists because ``ipaddress`` lags the IANA registries
and differs between Python versions: on 3.11 it calls ``::7f00:1`` (IPv4-compatible loopback) and
the local-use NAT64 prefix global. The table is kept here, not taken from the running Python, so
the rule is the same on every version.
"""

from __future__ import annotations

import ipaddress

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# (range, why it is refused); every entry is one ``ipaddress`` called global on some Python version.
EXTRA_REFUSED: tuple[tuple[Network, str], ...] = tuple(
    (ipaddress.ip_network(net), why) for net, why in (
        ("::/96", "IPv4-compatible (deprecated, RFC 4291)"),
        ("64:ff9b:1::/48", "NAT64 local use (RFC 8215)"),
        ("fec0::/10", "site-local (deprecated, RFC 3879)"),
        ("5f00::/16", "SRv6 segment identifiers (RFC 9602)"),
        ("3fff::/20", "documentation (RFC 9637)"),
        ("ff00::/8", "IPv6 multicast"),
        ("192.0.0.0/24", "IETF protocol assignments (RFC 6890)"),
        ("192.88.99.0/24", "6to4 relay anycast (deprecated, RFC 7526)"),
        ("224.0.0.0/4", "IPv4 multicast"),
    )
)

_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def parse_address(host: str) -> IPAddress | None:
    """The address a host names when it is an IP literal (brackets and zone allowed), else None."""
    try:
        return ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


def embedded_ipv4(ip: IPAddress) -> tuple[ipaddress.IPv4Address, ...]:
    """The IPv4 addresses an IPv6 address carries inside (none for IPv4 and plain IPv6)."""
    if isinstance(ip, ipaddress.IPv4Address):
        return ()
    inner: list[ipaddress.IPv4Address] = []
    if ip.ipv4_mapped is not None:
        inner.append(ip.ipv4_mapped)
    if ip in _IPV4_COMPATIBLE or ip in _NAT64:
        inner.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    if ip.sixtofour is not None:
        inner.append(ip.sixtofour)
    if ip.teredo is not None:
        inner.extend(ip.teredo)  # (server, client)
    return tuple(inner)


def refusal(ip: IPAddress) -> str | None:
    """Why briefbot must not connect to ``ip``, or None when it may."""
    for candidate in (ip, *embedded_ipv4(ip)):
        why = _own_refusal(candidate)
        if why is not None:
            return why if candidate == ip else f"it carries {candidate}, which is {why}"
    return None


def _own_refusal(ip: IPAddress) -> str | None:
    for network, why in EXTRA_REFUSED:
        if ip.version == network.version and ip in network:
            return why
    if not ip.is_global:
        return "not globally routable"
    return None


def is_public_address(ip: IPAddress) -> bool:
    """True when feeds may be fetched from ``ip`` under the default rule."""
    return refusal(ip) is None
