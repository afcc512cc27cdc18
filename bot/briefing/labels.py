"""Headings and change lines of briefings and digests in ``[bot] language``; the shared table in
bot.i18n stays the fallback for everything else."""

from __future__ import annotations

from bot.i18n import label as shared_label

_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "new_figure": "New figure",
        "revised_figure": "Revised",
        "new_dispute": "Newly disputed",
        "first_report": "first reported",
        "sources_count": "sources",
        "source_one": "source",
        "window_day": "last 24 hours",
        "window_newest": "newest {n} items",
        "window_since": "since the last digest",
        "article": "the article",
    },
    "de": {
        "new_figure": "Neue Zahl",
        "revised_figure": "Korrigiert",
        "new_dispute": "Neu bestritten",
        "first_report": "zuerst gemeldet",
        "sources_count": "Quellen",
        "source_one": "Quelle",
        "window_day": "letzte 24 Stunden",
        "window_newest": "neueste {n} Meldungen",
        "window_since": "seit dem letzten Überblick",
        "article": "der Artikel",
    },
}


def label(key: str, language: str) -> str:
    table = _LABELS.get(language, _LABELS["en"])
    if key in table:
        return table[key]
    return shared_label(key, language)
