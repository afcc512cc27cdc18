"""Contracts between the core and what plugs into it (platforms, network, time, text backends).

Each protocol documents what it raises; implementations must raise nothing else (wrap third-party
errors at the boundary).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable

from bot.model import ExtractedClaim, Figure, Receipt, Reply, Sentence, Target


class Clock(Protocol):
    def now(self) -> datetime:
        """Current time, timezone-aware (UTC)."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@runtime_checkable
class Publisher(Protocol):
    """Posts a reply to one platform. One publisher per platform ("discord", "slack", "console")."""

    platform: str

    async def publish(self, target: Target, reply: Reply, *, idempotency_key: str) -> Receipt:
        """Post ``reply`` to ``target``; the same key must never produce two visible posts when the
        platform can prevent it (Discord nonce, Slack metadata lookup).

        Raises:
            TransientPublishError: try again later (``retry_after`` seconds when known).
            PermanentPublishError: the channel is gone or the bot may not post there.
            UnknownOutcomeError: the request may have been posted; call ``find_existing`` first.
        """
        ...

    async def find_existing(self, target: Target, idempotency_key: str) -> Receipt | None:
        """Look for a message already posted with this key.

        Returns the receipt, or None when there is none. Raises ``NotImplementedError`` when the
        platform cannot tell (the caller then posts and reports a possible duplicate), or any
        ``PublishError`` subclass as ``publish`` does.
        """
        ...


@dataclass(frozen=True)
class FetchResponse:
    url: str  # final URL after redirects
    status: int
    headers: Mapping[str, str]
    body: bytes
    truncated: bool = False
    redirects: tuple[str, ...] = field(default_factory=tuple)


class Fetcher(Protocol):
    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> FetchResponse:
        """GET ``url`` under the configured safety rules (scheme, address, size, redirects, timeouts).

        A 304 is returned as a response with status 304 and an empty body.

        Raises:
            FeedError: with a short human reason (refused address, timeout, too large, HTTP error...).
        """
        ...

    async def close(self) -> None: ...


class SentenceSplitter(Protocol):
    def split(self, text: str, language: str) -> list[Sentence]:
        """Sentences of ``text`` with offsets into it, tokens and lemmas filled in."""
        ...


class Summarizer(Protocol):
    """Extractive today; an abstractive backend can implement the same call later."""

    def summarize(
        self, text: str, sentences: list[Sentence], language: str, *, max_bullets: int = 5
    ) -> list[str]:
        """At most ``max_bullets`` bullets of at most 300 characters, each supported by the text."""
        ...


class ClaimExtractor(Protocol):
    def extract(self, text: str, sentences: list[Sentence], language: str) -> list[ExtractedClaim]:
        """Attributed claims of ``text``, spans pointing into ``text``."""
        ...


FigureExtractor = Callable[[str, list[Sentence], str], list[Figure]]
"""``(text, sentences, language) -> figures``: the key figures of a text, as ``bot.briefing.figures``
finds them."""
