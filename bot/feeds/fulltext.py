"""Full text for teaser-only entries: fetch the linked page (same rules) and extract its body.

trafilatura only ever sees the bytes we fetched, never a URL: its own downloader would bypass the
address checks. Both texts are kept: the extracted body for analysis, the feed's teaser beside it.

Article pages are the part of a poll a hostile or slow site controls (a feed of 16 teasers linking to
pages that send one byte a second kept an ingest busy for minutes), so they have their own deadline
for a whole page and their own limit on pages at once, apart from the feed fetches.
"""

from __future__ import annotations

import asyncio
import logging
import re

from bot.errors import FeedError
from bot.feeds.parse import ParsedEntry, clean_text
from bot.ports import Fetcher

log = logging.getLogger(__name__)

TEASER_CHARS = 700  # a summary shorter than this, with no full content, is treated as a teaser
_TEASER_END = re.compile(r"(\.\.\.|…|\[…\]|\[\.\.\.\]|read more|weiterlesen|mehr lesen)\W*$", re.I)


def is_teaser(entry: ParsedEntry) -> bool:
    """The feed carries only a teaser of this entry (no content, a short or cut-off summary)."""
    if entry.content or not entry.link:
        return False
    return len(entry.summary) < TEASER_CHARS or bool(_TEASER_END.search(entry.summary[-40:]))


def extract_article(body: bytes, url: str) -> str:
    """The article body of an HTML page as plain paragraphs; "" when none is found."""
    import trafilatura  # noqa: PLC0415 - heavy library (about 1 s), loaded on first use

    try:
        text = trafilatura.extract(body, url=url, include_comments=False, include_tables=False,
                                   favor_precision=True, output_format="txt")
    except Exception:  # trafilatura/lxml raise assorted errors on broken markup
        log.debug("extraction failed for %s", url, exc_info=True)
        return ""
    if not text:
        return ""
    return clean_text("\n\n".join(line for line in str(text).split("\n") if line.strip()))


async def fetch_full_text(
    fetcher: Fetcher, url: str, *, deadline: float | None = None
) -> tuple[str, str | None]:
    """(extracted body or "", a warning when the page could not be used).

    ``deadline`` (seconds) bounds the whole page (every redirect hop and the body), whatever the per-request
    deadlines of the fetcher allow.
    """
    try:
        async with asyncio.timeout(deadline):
            response = await fetcher.fetch(url)
    except FeedError as e:
        return "", f"article page not fetched: {e.reason}"
    except TimeoutError:
        return "", (f"article page not fetched: it took longer than {deadline:g} s "
                    "([fetch] full_text_timeout)")
    content_type = str(response.headers.get("Content-Type", "")).lower()
    if content_type and "html" not in content_type and "xml" not in content_type:
        return "", f"article page is {content_type.split(';')[0]}, not HTML"
    text = await asyncio.to_thread(extract_article, response.body, response.url)
    if not text:
        return "", "no article text found on the linked page"
    return text, None


class ArticlePages:
    """Full-text fetches under ``[fetch] full_text_timeout`` and ``full_text_concurrency``.

    One instance is shared by every feed of a poller, so the limit holds over all feeds; one feed
    may hold at most ``per_feed`` of the slots, so a feed of slow pages leaves room for the others.
    """

    def __init__(self, fetcher: Fetcher, *, timeout: float, concurrency: int) -> None:
        self.fetcher = fetcher
        self.timeout = timeout
        self.per_feed = max(1, concurrency // 2)
        self._slots = asyncio.Semaphore(concurrency)

    async def text(self, url: str) -> tuple[str, str | None]:
        async with self._slots:
            return await fetch_full_text(self.fetcher, url, deadline=self.timeout)
