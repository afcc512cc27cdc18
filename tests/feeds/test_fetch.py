"""The fetcher against a local server: statuses, redirects, timeouts, size cap, address rules."""

from __future__ import annotations

import contextlib
import ipaddress
import socket
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
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
from tests.feeds.conftest import FeedServer, NoDNS, disguised_loopback, fetch_config

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
    "::ffff:127.0.0.1", "2002:7f00:1::1", "64:ff9b::a00:1",
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


# --- addresses the URL library normalises (issue 14, case 1) -----------------------------------


def _port(server: FeedServer) -> int:
    assert server.server is not None
    return int(server.server.port)


async def test_idna_spelled_loopback_refused_as_feed_url(target: FeedServer) -> None:
    """yarl turns these hosts into 127.0.0.1 and aiohttp then skips the resolver: the check must
    look at the normalised host, and the loopback server must never see a request."""
    f = HttpFetcher(fetch_config(allow_private_networks=False), inner_resolver=NoDNS())
    try:
        for spelling, url in disguised_loopback(_port(target)).items():
            with pytest.raises(FeedError, match=r"read as 127\.0\.0\.1\) is not a public") as info:
                await f.fetch(url + "good.rss")
            assert "allow_private_networks" in info.value.reason, spelling
    finally:
        await f.close()
    assert target.requests == []


async def test_ipv4_compatible_loopback_refused_without_a_connect(target: FeedServer) -> None:
    """``::7f00:1`` is global to Python 3.11; a connect to it was attempted before."""
    f = HttpFetcher(fetch_config(allow_private_networks=False), inner_resolver=NoDNS())
    try:
        for host in ("[::7f00:1]", "[::127.0.0.1]", "[64:ff9b:1::7f00:1]", "[64:ff9b::7f00:1]"):
            with pytest.raises(FeedError, match="is not a public address"):
                await f.fetch(f"http://{host}:{_port(target)}/good.rss")
    finally:
        await f.close()
    assert target.requests == []


async def test_idna_spelled_loopback_refused_as_redirect_target(
    server: FeedServer, target: FeedServer
) -> None:
    """The fixture server (its port only) is trusted; the hop it redirects to is not."""
    f = HttpFetcher(fetch_config(allow_private_networks=False), inner_resolver=NoDNS(),
                    trusted=[(LOOPBACK, _port(server))])
    try:
        for spelling, url in disguised_loopback(_port(target)).items():
            server.overrides["/jump"] = lambda _r, url=url: web.Response(
                status=302, headers={"Location": url + "good.rss"})
            with pytest.raises(FeedError, match="is not a public address"):
                await f.fetch(server.url("/jump"))
            assert server.hits("/jump") >= 1, spelling
    finally:
        await f.close()
    assert target.requests == []


async def test_private_networks_allowed_still_reach_loopback(target: FeedServer) -> None:
    f = HttpFetcher(fetch_config(allow_private_networks=True), inner_resolver=NoDNS())
    try:
        for url in disguised_loopback(_port(target)).values():
            assert (await f.fetch(url + "good.rss")).status == 200
    finally:
        await f.close()
    assert target.hits("/good.rss") == len(disguised_loopback(0))


# --- time-outs name the deadline that fired (issue 14, case 12) --------------------------------


async def test_read_deadline_named(server: FeedServer, fetcher: HttpFetcher) -> None:
    with pytest.raises(FeedError) as info:
        await fetcher.fetch(server.url("/slow"))
    assert "no data for 0.3 s" in info.value.reason and "read_timeout" in info.value.reason
    assert "connect" not in info.value.reason


async def test_total_deadline_named_for_a_trickle(server: FeedServer) -> None:
    """One byte every 0.1 s never trips the read deadline; the total one fires and says so."""
    f = HttpFetcher(fetch_config(timeout=0.6, read_timeout=5.0), inner_resolver=NoDNS())
    try:
        with pytest.raises(FeedError) as info:
            await f.fetch(server.url("/trickle?pause=0.1"))
    finally:
        await f.close()
    reason = info.value.reason
    assert "longer than 0.6 s" in reason and "[fetch] timeout" in reason, reason
    assert "read 5" not in reason and "connect" not in reason


async def test_connect_deadline_named() -> None:
    """A listening socket whose backlog is full never accepts: the connect deadline fires."""
    fetcher = HttpFetcher(fetch_config(connect_timeout=0.3, timeout=5.0), inner_resolver=NoDNS())
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    fillers: list[socket.socket] = []
    try:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        for _ in range(8):  # fill the accept queue so the next SYN is not answered
            filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            filler.setblocking(False)
            with contextlib.suppress(BlockingIOError, OSError):
                filler.connect(("127.0.0.1", port))
            fillers.append(filler)
        with pytest.raises(FeedError) as info:
            await fetcher.fetch(f"http://127.0.0.1:{port}/feed")
    finally:
        await fetcher.close()
        for filler in fillers:
            filler.close()
        listener.close()
    reason = info.value.reason
    assert "timed out connecting" in reason and "connect_timeout" in reason, reason

