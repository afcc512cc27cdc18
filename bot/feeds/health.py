"""Feed health for ``/sources``, ``briefbot sources`` and the one-line notices in digests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from bot.config import Config
from bot.i18n import fetch_error, phrase, when
from bot.storage import Storage
from bot.storage.sources import SourceRow


def _when(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else "never"


@dataclass(frozen=True)
class SourceHealth:
    name: str
    url: str
    kind: str  # "feed" or "seed"
    last_success: datetime | None
    last_error: str | None
    failing_since: datetime | None
    consecutive_failures: int
    next_poll: datetime | None
    warning: str | None = None
    polled_by: str | None = None  # the worker whose poll finished last

    @property
    def ok(self) -> bool:
        return self.consecutive_failures == 0

    @classmethod
    def from_row(cls, row: SourceRow) -> SourceHealth:
        return cls(
            name=row.name or row.url, url=row.url, kind=row.kind, last_success=row.last_success,
            last_error=row.last_error, failing_since=row.failing_since,
            consecutive_failures=row.consecutive_failures, next_poll=row.next_poll,
            warning=row.warning, polled_by=row.polled_by,
        )

    def line(self) -> str:
        """One line in words, e.g. for a bullet in /sources."""
        if self.kind == "seed":
            return f"seed {self.name}"
        label = self.name if self.name == self.url else f"{self.name} ({self.url})"
        if self.consecutive_failures:
            times = "once" if self.consecutive_failures == 1 else (
                f"{self.consecutive_failures} times in a row")
            state = (f"failing since {_when(self.failing_since)} ({times}): {self.last_error}; "
                     f"last success {_when(self.last_success)}")
        elif self.last_success is None:
            state = "not fetched yet"
        else:
            state = f"ok, last success {_when(self.last_success)}"
            if self.warning:
                state += f" (warning: {self.warning})"
            elif self.last_error:
                state += f" (last error: {self.last_error})"
        if self.next_poll is not None:
            state += f"; next poll {_when(self.next_poll)}"
        if self.polled_by:
            state += f"; last polled by {self.polled_by}"
        return f"{label} — {state}"


async def source_health(storage: Storage, config: Config | None = None) -> list[SourceHealth]:
    """Every source with its health; with ``config``, only seeds and the feeds it still lists."""
    rows = await storage.sources.list()
    if config is not None:
        configured = {feed.url for feed in config.feeds}
        rows = [r for r in rows if r.kind == "seed" or r.url in configured]
    return [SourceHealth.from_row(r) for r in rows]


async def failure_notices(
    storage: Storage, *, since: datetime | None, config: Config | None = None,
    language: str = "en",
) -> list[str]:
    """One line per feed that is failing now and whose failure episode began at or after ``since``.

    Pass the end of the subscription's previous digest window as ``since`` (None for its first
    digest): windows follow each other, so each episode is mentioned once per subscription.
    """
    rows = await storage.sources.failing()
    if config is not None:
        configured = {feed.url for feed in config.feeds}
        rows = [r for r in rows if r.url in configured]
    lines = []
    for row in rows:
        started = row.failing_since
        if since is not None and started is not None and started < since:
            continue
        name = row.name or row.url
        lines.append(phrase("feed_down", language, name=name, since=when(started, language),
                            error=fetch_error(row.last_error, language)))
    return lines
