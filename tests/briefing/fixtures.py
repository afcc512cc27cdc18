"""Fixture items for stories and digests, analysed by the real text pipeline (summary bullets and
figures), as ingest would store them."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.briefing.figures import extract_figures
from bot.briefing.summary import ExtractiveSummarizer
from bot.model import Figure, Item
from bot.text.sentences import split_sentences

DATA = Path(__file__).resolve().parents[1] / "data" / "briefing"


@lru_cache(maxsize=1)
def raw() -> list[dict[str, Any]]:
    return list(json.loads((DATA / "stories.json").read_text(encoding="utf-8"))["items"])


@lru_cache(maxsize=1)
def analysed() -> tuple[tuple[Item, tuple[Figure, ...]], ...]:
    out = []
    summarizer = ExtractiveSummarizer()
    for r in raw():
        sentences = split_sentences(r["text"], r["language"])
        bullets = summarizer.summarize(r["text"], sentences, r["language"], max_bullets=3)
        figures = extract_figures(r["text"], sentences, r["language"])
        published = datetime.fromisoformat(r["published"].replace("Z", "+00:00"))
        item = Item(
            id=r["id"], source_id=r["id"], key=f"fixture:{r['id']}", title=r["title"],
            url=r["url"], published=published, ingested_at=published + timedelta(minutes=5),
            language=r["language"], text=r["text"], content_hash=str(r["id"]),
            bullets=tuple(bullets),
        )
        out.append((item, tuple(figures)))
    return tuple(out)


def items() -> list[Item]:
    return [i for i, _ in analysed()]


def figures() -> dict[int, list[Figure]]:
    return {i.id: list(f) for i, f in analysed()}


def events() -> dict[int, str]:
    return {r["id"]: r["event"] for r in raw()}
