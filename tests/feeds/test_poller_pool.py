"""Polls through the analysis processes: a worker dying mid-poll loses no item and stops nothing."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import pytest
from aiohttp import web

from bot.app import build_app
from bot.briefing.figures import extract_figures
from bot.claims.extract import RuleClaimExtractor
from bot.config import Config, IngestConfig
from bot.feeds.fetch import HttpFetcher
from bot.feeds.poller import ingest_once
from bot.text.pipeline import TextPipeline
from tests.conftest import FixedClock
from tests.fakes.pipelines import Misbehaving
from tests.feeds.conftest import RSS, FeedServer, NoDNS, with_feeds


def rss(*texts: str) -> bytes:
    items = "".join(
        f"<item><title>Item {n}</title><link>https://m.example/{n}</link>"
        f"<guid isPermaLink='false'>m-{n}</guid><pubDate>Tue, 28 Jan 2025 08:00:00 GMT</pubDate>"
        f"<description>{text}</description></item>" for n, text in enumerate(texts))
    return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>M</title>'
            + items + "</channel></rss>").encode()


async def test_a_dying_worker_costs_one_line_and_the_next_poll_stores_its_items(
    server: FeedServer, config: Config, clock: FixedClock, tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    body = rss("Die Ministerin sagte am Dienstag, die Preise seien um 3,5 Prozent gestiegen.",
               f"Ein Text, bei dem der Prozess stirbt. CRASH-ONCE:{tmp_path / 'crashed'}",
               "The minister said on Tuesday that prices rose by 3.5 percent.")

    def feed(request: web.Request) -> web.Response:
        if request.headers.get("If-None-Match") == '"v1"':
            return web.Response(status=304)
        return web.Response(body=body, headers={"Content-Type": RSS, "ETag": '"v1"'})

    server.overrides["/f.rss"] = feed
    cfg = dataclasses.replace(with_feeds(config, server.url("/f.rss")),
                              ingest=IngestConfig(processes=1))
    pipeline = TextPipeline(summarizer=Misbehaving(), extractor=RuleClaimExtractor(),
                            figures=extract_figures)
    app = await build_app(cfg, clock=clock, pipeline=pipeline,
                          fetcher=HttpFetcher(cfg.fetch, inner_resolver=NoDNS()))
    try:
        with caplog.at_level(logging.WARNING):
            (first,) = await ingest_once(app)
        assert first.error is None and first.incomplete and first.new == 0
        assert "analysis process died" in first.line()
        died = [r for r in caplog.records if "analysis process died" in r.getMessage()]
        assert len(died) == 1 and not died[0].exc_info
        assert await app.storage.items.count() == 0
        (second,) = await ingest_once(app)  # asks without validators: the whole feed again
        assert server.requests[-1].headers.get("If-None-Match") is None
        assert (second.new, second.incomplete) == (3, False)
        assert await app.storage.items.count() == 3
        (third,) = await ingest_once(app)
        assert third.not_modified
    finally:
        await app.close()
