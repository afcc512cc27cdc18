"""Platform-neutral value objects shared by the core and the adapters.

Everything here is a frozen dataclass: the core computes them at ingest or command time, adapters only
read them. Text fields hold plain, unescaped text taken from sources; each adapter escapes it for its
platform (Markdown, mrkdwn, terminal) and must never let it ping anyone.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
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
    kind: str  # quote, indirect, reported, prediction, intention, denial
    cue: str | None
    hedged: bool
    hedges: tuple[str, ...]
    evidence: Evidence
    spans: ClaimSpans
    figures: tuple[str, ...] = ()
    rule: str = ""  # which extraction pattern found it, so a wrong claim can be explained
    answers: Span | None = None  # a denial: the message span of the claim it answers (same text)


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
    language: str | None = None  # the item's language (de, en), when the link stands for an item


class DisputeCode(StrEnum):
    """Why two claims contradict each other (``bot.claims.compare``)."""

    FIGURE_DIFFERS = "figure_differs"  # the same quantity about the same thing, >10% apart
    DOUBT_MARKER = "doubt_marker"  # "in Wirklichkeit", "misleading" against a claim on the subject
    DENIAL = "denial"  # a claim of kind denial ("bestritt das", "denied the accusation")
    LEGACY = "legacy"  # a reason an older engine stored as finished text


@dataclass(frozen=True)
class DisputeReason:
    """A dispute's reason as a code with its arguments, stored as JSON in the dispute's reason
    column; the words come from ``bot.i18n`` at render time, so every language reads its own.

    ``doubter`` and ``other`` are claimants (None: the article's own voice); for figures the
    doubter is the first claim's side. ``counterpart`` and ``counterpart_text`` name the other
    side of the link a reader is looking at, filled in when the ledger is read.
    """

    code: DisputeCode
    doubter: str | None = None
    other: str | None = None
    subject: str | None = None  # a named thing (doubt, denial) or a topic ("cost", "compute")
    values: tuple[float, ...] = ()  # figure_differs: the doubter's value, then the other's
    marker: str | None = None  # the doubting words as the source wrote them
    same_item: bool | None = None
    counterpart: str | None = None
    counterpart_text: str | None = None
    text: str | None = None  # LEGACY only

    def stored(self) -> str:
        """The JSON kept in the database (without the reader-side counterpart)."""
        data = {k: v for k, v in asdict(self).items()
                if v not in (None, ()) and k not in ("counterpart", "counterpart_text")}
        return json.dumps(data, ensure_ascii=False, sort_keys=True)

    def as_json(self) -> dict[str, object]:
        """The reason in ``claims --json``: the code and its arguments, no words."""
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self).items()
                if v not in (None, ())}

    @classmethod
    def parse(cls, raw: str) -> DisputeReason:
        """A stored reason; text an older engine stored becomes ``LEGACY`` with that text."""
        try:
            data = json.loads(raw)
            code = DisputeCode(data.pop("code"))
            return cls(code=code, values=tuple(data.pop("values", ())), **data)
        except (ValueError, TypeError, KeyError, AttributeError):
            return cls(DisputeCode.LEGACY, text=raw)


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
    dispute_reasons: tuple[DisputeReason, ...] = ()
    topics: tuple[str, ...] = ()
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    sources: tuple[Link, ...] = ()
    # the language the words of ``text`` were written in (its first item's): quotation marks
    # follow it, whatever language the reply is in
    language: str | None = None


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
    language: str | None = None  # the language it is written in; None: the configured one
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
    # Discord subcommands (``/feeds add``); the text form takes the subcommand as the first word,
    # given to the command's first option. Each has its own options and admin rule.
    subcommands: tuple[CommandSpec, ...] = ()


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
    community: str | None = None  # the Discord guild or Slack workspace id: its own language


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
