"""``briefbot analyze``: the engine on any text or HTML file, without touching the database."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.claims.answers import answer_pairs
from bot.claims.merge import claim_id
from bot.config import Config
from bot.contracts import extracted_claim_json
from bot.errors import IngestError
from bot.ingest import read_article_file
from bot.model import ClaimSpans, Item, Span
from bot.text.clean import looks_like_html
from bot.text.pipeline import TextPipeline
from bot.topics import item_topics


def check_length(path: Path, config: Config) -> None:
    """Refuse a file longer than ``[text] max_chars`` before reading it whole.

    A text file counts its characters, an HTML file its extracted text (its markup is bounded by
    ``[fetch] max_bytes``, as a fetched page is). UTF-8 needs at most 4 bytes a character, so a
    file over 4 x the limit is refused unread.
    """
    limit = config.text.max_chars
    size = path.stat().st_size
    html = path.suffix.lower() in (".html", ".htm")
    if size > (config.fetch.max_bytes if html else 4 * limit):
        raise too_long(path, f"{size:,} bytes", limit)


def too_long(path: Path, what: str, limit: int) -> IngestError:
    return IngestError(f"{path.name} is too long ({what}; the limit is {limit:,} characters, "
                       "[text] max_chars): analyse a part of it or raise the limit")


def analyze_file(
    path: Path, language: str | None, config: Config, pipeline: TextPipeline
) -> dict[str, Any]:
    check_length(path, config)
    decoded, title, clean, offsets = read_article_file(path)
    is_html = path.suffix.lower() in (".html", ".htm") or looks_like_html(decoded)
    measured = len(clean if is_html else decoded)
    if measured > config.text.max_chars:
        raise too_long(path, f"{measured:,} characters", config.text.max_chars)
    analysis = pipeline.analyze(clean, language)
    seen = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    probe = Item(id=0, source_id=0, key="", title=title or "", url=None, published=None,
                 ingested_at=seen, language=analysis.language, text=clean, content_hash="")
    topics = item_topics(config.topics, probe)

    def to_raw(span: Span | None) -> Span | None:
        if span is None or is_html:
            return span
        start, end = span
        if end <= start or end > len(offsets):
            return span
        return (offsets[start], offsets[end - 1] + 1)

    ids = [claim_id(claim.claimant, claim.text) for claim in analysis.claims]
    disputes: dict[int, list[str]] = {}
    for denial, answered in answer_pairs(list(analysis.claims)):  # the ledger stores these links
        for one, other in ((denial, answered), (answered, denial)):
            if ids[other] not in disputes.setdefault(one, []):
                disputes[one].append(ids[other])
    claims = []
    for position, claim in enumerate(analysis.claims):
        spans = ClaimSpans(
            message=to_raw(claim.spans.message) or claim.spans.message,
            claimant=to_raw(claim.spans.claimant),
            cue=to_raw(claim.spans.cue),
        )
        claims.append(extracted_claim_json(
            claim, claim_id=ids[position], topics=topics, seen=seen,
            title=title, disputes=disputes.get(position, []), spans=spans,
        ))
    return {
        "path": str(path),
        "language": analysis.language,
        "title": title,
        # spans index into "text": the decoded file for plain text, the extracted text for HTML
        "text": clean if is_html else decoded,
        "clean_text": clean,
        "bullets": list(analysis.bullets),
        "figures": [f.__dict__ for f in analysis.figures],
        "claims": claims,
    }


def render_analysis(result: dict[str, Any]) -> str:
    lines = [f"{result['path']} ({result['language']}): {result['title'] or '(no title)'}"]
    lines += [f"  • {b}" for b in result["bullets"]]
    if result["claims"]:
        lines.append("  claims:")
    for c in result["claims"]:
        who = c["claimant"] or "(the article)"
        flags = [c["kind"]]
        if c["hedged"]:
            flags.append("hedged: " + ", ".join(c["hedges"]))
        if c["evidence"] != "unstated":
            flags.append(c["evidence"])
        lines.append(f"    - {who}: „{c['text']}“ [{'; '.join(flags)}]")
    return "\n".join(lines) + "\n"
