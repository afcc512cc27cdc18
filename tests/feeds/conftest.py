"""A local feed server on 127.0.0.1 (port 0): the fixture feeds, and misbehaviour on purpose."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import inspect
import socket
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.test_utils import TestServer

from bot.config import Config, FeedConfig, FetchConfig

FEEDS = Path(__file__).resolve().parent.parent / "data" / "feeds"
RSS = "application/rss+xml; charset=utf-8"


class FeedServer:
    """Routes are static fixtures plus handlers tests may replace; every request is logged."""

    def __init__(self, secret_path: Path) -> None:
        self.requests: list[web.Request] = []
        # a handler may be a coroutine function (a response that streams)
        self.overrides: dict[str, Callable[[web.Request], Any]] = {}
        self.bodies: dict[str, tuple[bytes, str]] = {}  # path -> (body, content type) to serve
        self.secret_path = secret_path
        self.hang = asyncio.Event()  # never set: the slow route waits on it until cancelled
        self.server: TestServer | None = None
        self.trickling: list[str] = []  # paths of /trickle pages being sent right now
        self.most_trickling = 0

    @property
    def base(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def hits(self, path: str) -> int:
        return sum(1 for r in self.requests if r.path == path)

    def fixture(self, name: str) -> bytes:
        data = (FEEDS / name).read_bytes()
        return data.replace(b"{base}", self.base.encode()).replace(
            b"{secret_path}", str(self.secret_path).encode())

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(request)
        path = request.path
        if path in self.overrides:
            answer = self.overrides[path](request)
            return await answer if inspect.isawaitable(answer) else answer
        if path in self.bodies:
            body, ctype = self.bodies[path]
            return web.Response(body=body, headers={"Content-Type": ctype})
        if path == "/etag.rss":
            if request.headers.get("If-None-Match") == '"v1"':
                return web.Response(status=304, headers={"ETag": '"v1"'})
            return web.Response(body=self.fixture("good.rss"),
                                headers={"Content-Type": RSS, "ETag": '"v1"'})
        if path == "/429":
            return web.Response(status=429, text="slow down", headers={"Retry-After": "7200"})
        if path == "/500":
            return web.Response(status=500, text="boom")
        if path == "/404":
            return web.Response(status=404, text="gone")
        if path in ("/loop-a", "/loop-b"):
            other = "/loop-b" if path == "/loop-a" else "/loop-a"
            return web.Response(status=302, headers={"Location": other})
        if path.startswith("/hop"):
            n = int(path[4:] or 0)
            return web.Response(status=301, headers={"Location": f"/hop{n + 1}"})
        if path == "/moved":
            return web.Response(status=301, headers={"Location": "/good.rss?from=moved"})
        if path == "/to-private":
            return web.Response(status=302, headers={"Location": "http://10.0.0.1/feed.xml"})
        if path == "/to-loopback":
            port = self.server.port if self.server else 80
            return web.Response(status=302, headers={"Location": f"http://127.0.0.2:{port}/x"})
        if path == "/to-file":
            return web.Response(status=302, headers={"Location": "file:///etc/passwd"})
        if path == "/slow":
            await self.hang.wait()
        if path == "/endless":
            return await self._endless(request)
        if path.startswith("/trickle"):
            return await self._trickle(request, float(request.query.get("pause", "1")))
        if path == "/empty":
            return web.Response(body=b"", headers={"Content-Type": RSS})
        if path in ("/secret", "/secret.dtd"):
            return web.Response(text="TOP-SECRET-WEB")
        if path == "/ua":
            return web.Response(text=request.headers.get("User-Agent", ""))
        name = path.lstrip("/")
        if (FEEDS / name).is_file():
            ctype = {"html": "text/html; charset=utf-8", "json": "application/feed+json"}.get(
                name.rsplit(".", 1)[-1], RSS)
            if name.startswith("latin1"):
                ctype = "application/rss+xml; charset=utf-8"  # a lie: the bytes are latin-1
            return web.Response(body=self.fixture(name), headers={"Content-Type": ctype})
        return web.Response(status=404, text="not found")

    async def _trickle(self, request: web.Request, pause: float) -> web.StreamResponse:
        """An HTML page sent one byte per ``pause`` seconds, until the client gives up."""
        response = web.StreamResponse(headers={"Content-Type": "text/html; charset=utf-8"})
        await response.prepare(request)
        self.trickling.append(request.path)
        self.most_trickling = max(self.most_trickling, len(self.trickling))
        try:
            with contextlib.suppress(ConnectionError, asyncio.CancelledError):
                while not request.transport or not request.transport.is_closing():
                    await response.write(b"<")
                    await asyncio.sleep(pause)
        finally:
            self.trickling.remove(request.path)
        return response

    async def _endless(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": RSS})
        await response.prepare(request)
        await response.write(b'<?xml version="1.0"?><rss version="2.0"><channel><title>E</title>')
        chunk = b"<item><title>more</title></item>" * 256
        with contextlib.suppress(ConnectionError, asyncio.CancelledError):
            while not request.transport or not request.transport.is_closing():
                await response.write(chunk)
        return response


@pytest.fixture(autouse=True)
def no_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any fetcher built without a stub resolver still cannot look up (or reach) a real host."""
    import aiohttp

    monkeypatch.setattr(aiohttp, "ThreadedResolver", NoDNS)


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[FeedServer]:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-FILE")
    async with serving(FeedServer(secret)) as feeds:
        yield feeds


@contextlib.asynccontextmanager
async def serving(feeds: FeedServer) -> AsyncIterator[FeedServer]:
    """``feeds`` on 127.0.0.1, a free port, until the block ends."""
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", feeds.handle)
    test_server = TestServer(app, host="127.0.0.1", port=0)
    await test_server.start_server()
    feeds.server = test_server
    try:
        yield feeds
    finally:
        await test_server.close()


class NoDNS(AbstractResolver):
    """Tests never look a name up: the fixture server is reached by IP literal (no resolver)."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        self.asked.append(host)
        raise OSError(f"no DNS in tests ({host})")

    async def close(self) -> None:
        pass


def fetch_config(**changes: object) -> FetchConfig:
    base = FetchConfig(allow_private_networks=True, connect_timeout=2.0, read_timeout=0.3,
                       timeout=10.0, max_bytes=200_000)
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def with_feeds(config: Config, *urls: str, **fetch: object) -> Config:
    feeds = tuple(FeedConfig(url=u) for u in urls)
    return dataclasses.replace(config, feeds=feeds, fetch=fetch_config(**fetch))


@pytest.fixture
async def target(tmp_path: Path) -> AsyncIterator[FeedServer]:
    """A second loopback server: what an attacker wants reached (its own port, its own request log)."""
    async with serving(FeedServer(tmp_path / "secret.txt")) as feeds:
        yield feeds


FULLWIDTH = str.maketrans("0123456789.", "０１２３４５６７８９．")
CIRCLED = str.maketrans("0123456789", "⓪①②③④⑤⑥⑦⑧⑨")


def disguised_loopback(port: int) -> dict[str, str]:
    """127.0.0.1 written so that only IDNA normalisation (yarl's, hence aiohttp's) reveals it."""
    return {
        "fullwidth digits": f"http://{'127.0.0.1'.translate(FULLWIDTH)}:{port}/",
        "fullwidth digits, ASCII dots": f"http://１２７.０.０.１:{port}/",
        "ideographic full stop": f"http://127。0。0。1:{port}/",
        "circled digits": f"http://{'127.0.0.1'.translate(CIRCLED)}:{port}/",
    }


def teasers(*links: str, feed: str = "t") -> bytes:
    items = "".join(
        f"<item><title>Teaser {n}</title><link>{link}</link>"
        f"<guid isPermaLink='false'>{feed}-{n}</guid>"
        "<pubDate>Tue, 28 Jan 2025 08:00:00 GMT</pubDate>"
        "<description>Analysts question the reported training costs… Read more</description></item>"
        for n, link in enumerate(links))
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>'
            f"{items}</channel></rss>").encode()
