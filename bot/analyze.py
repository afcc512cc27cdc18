"""``briefbot analyze``: the engine on any text or HTML file, without touching the database."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.claims.merge import claim_id
from bot.config import Config
from bot.contracts import extracted_claim_json
from bot.ingest import read_article_file
from bot.model import ClaimSpans, Item, Span
from bot.text.clean import looks_like_html
from bot.text.pipeline import TextPipeline
from bot.topics import item_topics


def analyze_file(
    path: Path, language: str | None, config: Config, pipeline: TextPipeline
) -> dict[str, Any]:
    decoded, title, clean, offsets = read_article_file(path)
    is_html = path.suffix.lower() in (".html", ".htm") or looks_like_html(decoded)
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

    claims = []
    for claim in analysis.claims:
        spans = ClaimSpans(
            message=to_raw(claim.spans.message) or claim.spans.message,
            claimant=to_raw(claim.spans.claimant),
            cue=to_raw(claim.spans.cue),
        )
        claims.append(extracted_claim_json(
            claim, claim_id=claim_id(claim.claimant, claim.text), topics=topics, seen=seen,
            title=title, disputes=[], spans=spans,
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
