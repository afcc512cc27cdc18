"""The fetcher against a local server: statuses, redirects, timeouts, size cap, address rules."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import AsyncIterator

import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from bot.errors import FeedError
from bot.feeds.fetch import (
    AddressRefused,
    HttpFetcher,
    HTTPStatusError,
    SafeResolver,
    is_public_address,
    parse_retry_after,
)
from tests.feeds.conftest import FeedServer, NoDNS, fetch_config

LOOPBACK = ipaddress.ip_address("127.0.0.1")


@pytest.fixture
async def fetcher() -> AsyncIterator[HttpFetcher]:
    f = HttpFetcher(fetch_config(), inner_resolver=NoDNS())
    yield f
    await f.close()


async def test_good_feed_with_user_agent(server: FeedServer, fetcher: HttpFetcher) -> None:
    response = await fetcher.fetch(server.url("/good.rss"))
    assert response.status == 200
    assert b"<rss" in response.body and not response.truncated
    assert response.headers["content-type"].startswith("application/rss+xml")
    ua = await fetcher.fetch(server.url("/ua"))
    assert ua.body.decode() == fetch_config().user_agent


async def test_conditional_get_returns_304(server: FeedServer, fetcher: HttpFetcher) -> None:
    first = await fetcher.fetch(server.url("/etag.rss"))
    assert first.headers["ETag"] == '"v1"'
    second = await fetcher.fetch(server.url("/etag.rss"), etag=first.headers["ETag"])
    assert second.status == 304 and second.body == b""
    assert server.requests[-1].headers["If-None-Match"] == '"v1"'


async def test_429_carries_retry_after(server: FeedServer, fetcher: HttpFetcher) -> None:
    with pytest.raises(HTTPStatusError) as info:
        await fetcher.fetch(server.url("/429"))
    assert info.value.status == 429 and info.value.retry_after == 7200
    assert "429" in info.value.reason


async def test_500_is_a_feed_error(server: FeedServer, fetcher: HttpFetcher) -> None:
    with pytest.raises(FeedError, match="HTTP 500"):
        await fetcher.fetch(server.url("/500"))


async def test_redirects_followed_by_hand(server: FeedServer, fetcher: HttpFetcher) -> None:
    response = await fetcher.fetch(server.url("/moved"))
    assert response.status == 200 and response.url.endswith("/good.rss?from=moved")
    assert response.redirects == (server.url("/good.rss?from=moved"),)


async def test_redirect_loop_refused(server: FeedServer, fetcher: HttpFetcher) -> None:
    with pytest.raises(FeedError, match="redirect loop"):
        await fetcher.fetch(server.url("/loop-a"))
    assert server.hits("/loop-a") == 1 and server.hits("/loop-b") == 1


async def test_too_many_redirects(server: FeedServer) -> None:
    f = HttpFetcher(fetch_config(max_redirects=3), inner_resolver=NoDNS())
    try:
        with pytest.raises(FeedError, match="more than 3 redirects"):
            await f.fetch(server.url("/hop0"))
    finally:
        await f.close()
    assert server.hits("/hop4") == 0


async def test_slow_server_times_out(server: FeedServer, fetcher: HttpFetcher) -> None:
    with pytest.raises(FeedError, match="timed out"):
        await fetcher.fetch(server.url("/slow"))


async def test_endless_stream_stops_at_the_cap(server: FeedServer) -> None:
    f = HttpFetcher(fetch_config(max_bytes=50_000), inner_resolver=NoDNS())
    try:
        response = await f.fetch(server.url("/endless"))
    finally:
        await f.close()
    assert response.truncated and len(response.body) == 50_000


async def test_only_http_and_https(server: FeedServer, fetcher: HttpFetcher) -> None:
    for url in ("file:///etc/passwd", "ftp://example.com/feed", "gopher://x/"):
        with pytest.raises(FeedError, match="only http and https"):
            await fetcher.fetch(url)
    with pytest.raises(FeedError, match="only http and https"):
        await fetcher.fetch(server.url("/to-file"))


# --- address rules -----------------------------------------------------------------------------


@pytest.mark.parametrize("address", [
    "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1",
    "0.0.0.0", "224.0.0.1", "255.255.255.255", "::1", "fe80::1", "fc00::1", "ff02::1",
    "::ffff:127.0.0.1", "::ffff:8.8.8.8", "2002:7f00:1::1", "64:ff9b::a00:1",
])
def test_non_public_addresses_refused(address: str) -> None:
    assert not is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["8.8.8.8", "93.184.216.34", "2606:4700:4700::1111"])
def test_public_addresses_allowed(address: str) -> None:
    assert is_public_address(ipaddress.ip_address(address))


class StubResolver(AbstractResolver):
    """Answers from a table; never touches the network."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table
        self.asked: list[str] = []

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        self.asked.append(host)
        return [ResolveResult(hostname=host, host=a, port=port, family=family, proto=0, flags=0)
                for a in self.table[host]]

    async def close(self) -> None:
        pass


async def test_resolver_refuses_private_answers() -> None:
    resolver = SafeResolver(is_public_address, StubResolver({
        "intranet.test": ["10.0.0.5"], "mixed.test": ["192.168.0.9", "93.184.216.34"],
        "rebind.test": ["::ffff:127.0.0.1"],
    }))
    with pytest.raises(AddressRefused, match="non-public"):
        await resolver.resolve("intranet.test", 80)
    with pytest.raises(AddressRefused):
        await resolver.resolve("rebind.test", 80)
    kept = await resolver.resolve("mixed.test", 80)
    assert [r["host"] for r in kept] == ["93.184.216.34"]


async def test_name_resolving_to_private_address_refused_without_traffic(
    server: FeedServer,
) -> None:
    """The check sits in the resolver: the connection is never attempted."""
    stub = StubResolver({"feeds.test": ["10.9.8.7"], "localhost.test": ["127.0.0.1"]})
    f = HttpFetcher(fetch_config(allow_private_networks=False), inner_resolver=stub)
    try:
        for host in ("feeds.test", "localhost.test"):
            with pytest.raises(FeedError, match="non-public address"):
                await f.fetch(f"http://{host}:{server.server.port}/good.rss")  # type: ignore[union-attr]
    finally:
        await f.close()
    assert stub.asked == ["feeds.test", "localhost.test"]
    assert server.requests == []


async def test_ip_literals_refused_when_private_networks_not_allowed(server: FeedServer) -> None:
    f = HttpFetcher(fetch_config(allow_private_networks=False), inner_resolver=NoDNS())
    try:
        for url in (server.url("/good.rss"), "http://10.0.0.1/feed", "http://[::1]:8080/",
                    "http://[::ffff:127.0.0.1]/", "http://169.254.169.254/latest/meta-data"):
            with pytest.raises(FeedError, match="not a public address"):
                await f.fetch(url)
    finally:
        await f.close()
    assert server.requests == []


async def test_redirect_to_private_address_refused(server: FeedServer) -> None:
    """The fixture server counts as public here (trusted); the hop it redirects to does not."""
    f = HttpFetcher(fetch_config(allow_private_networks=False), trusted=[LOOPBACK],
                    inner_resolver=NoDNS())
    try:
        assert (await f.fetch(server.url("/good.rss"))).status == 200
        with pytest.raises(FeedError, match=r"refused: 10\.0\.0\.1 is not a public address"):
            await f.fetch(server.url("/to-private"))
        with pytest.raises(FeedError, match=r"refused: 127\.0\.0\.2"):
            await f.fetch(server.url("/to-loopback"))
    finally:
        await f.close()
    assert server.hits("/x") == 0


async def test_proxy_environment_ignored(server: FeedServer, fetcher: HttpFetcher,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")
    assert (await fetcher.fetch(server.url("/good.rss"))).status == 200


def test_retry_after_forms() -> None:
    from datetime import UTC, datetime

    now = datetime(2025, 1, 28, 9, 0, tzinfo=UTC)
    assert parse_retry_after("120") == 120
    assert parse_retry_after("Tue, 28 Jan 2025 09:10:00 GMT", now) == 600
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None
