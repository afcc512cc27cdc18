"""Platform-neutral value objects shared by the core and the adapters.

Everything here is a frozen dataclass: the core computes them at ingest or command time, adapters only
read them. Text fields hold plain, unescaped text taken from sources; each adapter escapes it for its
platform (Markdown, mrkdwn, terminal) and must never let it ping anyone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Literal

Evidence = Literal["none_given", "cited", "unstated"]
Span = tuple[int, int]


# --- items and analysis ---------------------------------------------------------------------------



class Platform(StrEnum):
    """Where a command comes from and a digest goes (the ``platform`` of a ``[[digests]]`` entry)."""

    CONSOLE = "console"
    DISCORD = "discord"
    SLACK = "slack"

@dataclass(frozen=True)
class Sentence:
    """A sentence of an item's clean text; ``start``/``end`` are offsets into that text."""

    start: int
    end: int
    text: str
    tokens: tuple[str, ...] = ()
    lemmas: tuple[str, ...] = ()
    paragraph: int = 0


@dataclass(frozen=True)
class ClaimSpans:
    """Character offsets into the text the claim was extracted from."""

    message: Span
    claimant: Span | None = None
    cue: Span | None = None


@dataclass(frozen=True)
class ExtractedClaim:
    """A claim found in one text, before it joins the ledger."""

    text: str
    claimant: str | None
    kind: str  # quote, indirect, reported, prediction, statement
    cue: str | None
    hedged: bool
    hedges: tuple[str, ...]
    evidence: Evidence
    spans: ClaimSpans
    figures: tuple[str, ...] = ()


@dataclass(frozen=True)
class Figure:
    """A key figure: the value, what it measures, and who says so (None: the article itself)."""

    value: str
    measures: str
    source: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Analysis:
    """What ingest computes once for a text and stores: language, sentences, summary, claims."""

    language: str
    sentences: tuple[Sentence, ...]
    bullets: tuple[str, ...]
    claims: tuple[ExtractedClaim, ...]
    figures: tuple[Figure, ...] = ()


@dataclass(frozen=True)
class CleanText:
    """Clean body text plus a map back to the original characters.

    ``offsets[i]`` is the index in the original text of ``text[i]``; paragraphs are separated by a
    blank line in ``text``.
    """

    title: str | None
    text: str
    offsets: tuple[int, ...]
    dropped: tuple[str, ...] = ()  # captions, credits, teasers, subheadings removed, for the log


@dataclass(frozen=True)
class Item:
    """A stored article: a seed file or a feed entry."""

    id: int
    source_id: int
    key: str
    title: str
    url: str | None
    published: datetime | None
    ingested_at: datetime
    language: str
    text: str
    content_hash: str
    bullets: tuple[str, ...] = ()
    digest_eligible: bool = True


@dataclass(frozen=True)
class Link:
    title: str
    url: str | None = None
    published: datetime | None = None


@dataclass(frozen=True)
class Claim:
    """A ledger entry: one claim, however many items reported it."""

    id: str
    claimant: str | None
    text: str
    kind: str
    cue: str | None
    hedged: bool
    hedges: tuple[str, ...]
    evidence: Evidence
    disputes: tuple[str, ...] = ()
    dispute_reasons: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    sources: tuple[Link, ...] = ()


@dataclass(frozen=True)
class Story:
    headline: str
    bullets: tuple[str, ...]
    first_seen: datetime
    sources: tuple[Link, ...]
    language: str = "de"


# --- replies --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    """A titled part of a reply. Any of the lists may be empty."""

    heading: str
    bullets: tuple[str, ...] = ()
    links: tuple[Link, ...] = ()
    claims: tuple[Claim, ...] = ()
    figures: tuple[Figure, ...] = ()
    text: str | None = None


@dataclass(frozen=True)
class Reply:
    """What a command or a digest says, before any platform formats it."""

    title: str
    sections: tuple[Section, ...] = ()
    footer: str | None = None
    ephemeral: bool = False
    is_error: bool = False
    page: int | None = None
    pages: int | None = None
    notify: str | None = None  # live posts, opt-in: a Discord role or Slack user group id to mention
    thread: bool = False  # live posts on Discord: open a thread on the post
    replies: tuple[Section, ...] = ()  # live posts on Slack: posted as a reply in the thread

    def plain_length(self) -> int:
        n = len(self.title) + len(self.footer or "")
        for s in self.sections:
            n += len(s.heading) + sum(len(b) for b in s.bullets) + len(s.text or "")
            n += sum(len(link.title) + len(link.url or "") for link in s.links)
            n += sum(len(c.text) + len(c.claimant or "") for c in s.claims)
            n += sum(len(f.value) + len(f.measures) for f in s.figures)
        return n


# --- commands -------------------------------------------------------------------------------------


class OptionType(StrEnum):
    STRING = "string"
    INTEGER = "integer"


@dataclass(frozen=True)
class OptionSpec:
    name: str
    description: str
    type: OptionType = OptionType.STRING
    required: bool = False
    choices: tuple[str, ...] = ()
    autocomplete: str | None = None  # name of an autocomplete source: "claimant", "topic"
    min_value: int | None = None


@dataclass(frozen=True)
class CommandSpec:
    name: str
    description: str
    options: tuple[OptionSpec, ...] = ()
    admin_only: bool = False
    usage: str = ""


@dataclass(frozen=True)
class User:
    id: str
    name: str = ""
    is_admin: bool = False


@dataclass(frozen=True)
class CommandRequest:
    command: str
    options: dict[str, str | int] = field(default_factory=dict)
    user: User = field(default_factory=lambda: User(id="console", name="console", is_admin=True))
    platform: str = Platform.CONSOLE
    channel: str | None = None


# --- delivery -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """Where a publisher posts: a platform and its channel id."""

    platform: str
    channel: str


@dataclass(frozen=True)
class Receipt:
    """What a publisher returns: the platform's message id (or ids, when split) for the delivery log."""

    message_id: str
    extra_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Digest:
    """A daily digest before rendering: the briefing bullets, the stories, what is new or changed."""

    title: str
    since: datetime
    until: datetime
    window: str  # the window in words, e.g. "last 24 hours" or "newest 10 items"
    bullets: tuple[str, ...]
    stories: tuple[Story, ...]
    new_claims: tuple[Claim, ...] = ()
    changes: tuple[str, ...] = ()
    notices: tuple[str, ...] = ()  # e.g. one line per failing feed
    topic: str | None = None

    @property
    def empty(self) -> bool:
        return not self.stories and not self.new_claims and not self.changes
