"""The local feed server of tests/feeds (127.0.0.1, an ephemeral port) for tests outside that
folder: ``async with running_feed_server(tmp_path) as server``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.feeds.conftest import FeedServer


@asynccontextmanager
async def running_feed_server(tmp_path: Path) -> AsyncIterator[FeedServer]:
    feeds = FeedServer(tmp_path / "secret.txt")
    web_app = web.Application()
    web_app.router.add_route("*", "/{tail:.*}", feeds.handle)
    server = TestServer(web_app, host="127.0.0.1", port=0)
    await server.start_server()
    feeds.server = server
    try:
        yield feeds
    finally:
        await server.close()
