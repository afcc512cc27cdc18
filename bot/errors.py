"""One exception root for briefbot, with precise subclasses.

Third-party errors are wrapped at the boundary (``raise FeedError(...) from e``) so callers only ever
catch briefbot's own types.
"""

from __future__ import annotations

import json
import re


class BriefbotError(Exception):
    """Root of every error briefbot raises on purpose."""


class ConfigError(BriefbotError):
    """The configuration is invalid; the message names the file, the key and what to write instead."""

    def __init__(self, message: str, *, path: str | None = None, key: str | None = None) -> None:
        self.path = path
        self.key = key
        where = ""
        if path and key:
            where = f"{path}: {key}: "
        elif path:
            where = f"{path}: "
        elif key:
            where = f"{key}: "
        super().__init__(where + message)


class StorageError(BriefbotError):
    """The database could not be opened, migrated, read or written; the message names the
    database and says what to do."""


class StorageBusy(StorageError):
    """Another writer held the database's write lock beyond the bounded wait: try again later."""


class IngestError(BriefbotError):
    """A source (seed file or feed item) could not be ingested."""


class FeedError(IngestError):
    """A feed could not be fetched or parsed. ``reason`` is a short English sentence for the log;
    ``code`` and ``args`` say the same as data, worded in a community's language by
    ``bot.i18n.fetch_error`` (chat shows those words, never ``reason``)."""

    def __init__(self, reason: str, *, url: str | None = None, code: str = "other",
                 args: dict[str, str | int | float] | None = None) -> None:
        self.reason = reason
        self.url = url
        self.code = code
        self.values = dict(args or {})
        super().__init__(f"{url}: {reason}" if url else reason)

    @property
    def stored(self) -> str:
        """The error as the health table keeps it: ``[code {args}] reason``, the reason last so
        that the log and an operator reading the table see the whole detail."""
        return stored_error(self.code, self.values, self.reason)


def stored_error(code: str, args: dict[str, str | int | float], reason: str) -> str:
    encoded = f" {json.dumps(args, ensure_ascii=False, sort_keys=True)}" if args else ""
    return f"[{code}{encoded}] {reason}"


_STORED = re.compile(r"^\[([a-z_]+)(?: (\{.*?\}))?\] ", re.DOTALL)


def parse_stored_error(text: str) -> tuple[str, dict[str, str | int | float], str]:
    """(code, args, reason) of a stored error; a plain text (an older row, an internal error) is
    ("other", {}, text)."""
    found = _STORED.match(text)
    if found is None:
        return "other", {}, text
    try:
        args = json.loads(found.group(2)) if found.group(2) else {}
    except ValueError:
        return "other", {}, text
    return found.group(1), args if isinstance(args, dict) else {}, text[found.end():]


class CommandError(BriefbotError):
    """A command request is invalid (unknown option, bad value); the message is shown to the user."""


class PermissionDenied(CommandError):
    """The user may not run an admin-only command."""


class PublishError(BriefbotError):
    """Publishing a reply to a platform failed. Subclasses say whether to retry."""


class TransientPublishError(PublishError):
    """Try again later (rate limit, 5xx, timeout before sending)."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        self.retry_after = retry_after
        super().__init__(message)


class PermanentPublishError(PublishError):
    """Retrying cannot help: the channel is gone or the bot lacks permission."""


class UnknownOutcomeError(PublishError):
    """The connection broke after the request was sent: the message may or may not have been posted."""
