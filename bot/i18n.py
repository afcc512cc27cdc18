"""Headings and labels in the configured ``[bot] language`` (content keeps its own language)."""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "briefing": "Briefing",
        "overview": "Overview",
        "key_figures": "Key figures",
        "latest": "Latest developments",
        "top_claims": "Top claims",
        "claims": "Claims",
        "no_claims": "No claims match.",
        "digest": "Daily digest",
        "top_stories": "Top stories",
        "new_claims": "New or newly disputed claims",
        "changes": "What changed",
        "quiet": "Nothing new since the last digest.",
        "sources": "Sources",
        "source_count": "sources",
        "subscriptions": "Subscriptions",
        "help": "Commands",
        "unknown_command": "Unknown command",
        "no_items": "No stored items on this topic yet.",
        "window": "Window",
        "page": "Page",
        "says": "says",
        "article": "the article",
        "hedged": "hedged",
        "no_evidence": "no evidence given",
        "cited": "evidence cited",
        "disputed_by": "in dispute with",
        "error": "Error",
    },
    "de": {
        "briefing": "Lagebild",
        "overview": "Überblick",
        "key_figures": "Schlüsselzahlen",
        "latest": "Neueste Entwicklungen",
        "top_claims": "Wichtigste Behauptungen",
        "claims": "Behauptungen",
        "no_claims": "Keine passenden Behauptungen.",
        "digest": "Tagesüberblick",
        "top_stories": "Top-Meldungen",
        "new_claims": "Neue oder neu bestrittene Behauptungen",
        "changes": "Was sich geändert hat",
        "quiet": "Nichts Neues seit dem letzten Überblick.",
        "sources": "Quellen",
        "source_count": "Quellen",
        "subscriptions": "Abonnements",
        "help": "Befehle",
        "unknown_command": "Unbekannter Befehl",
        "no_items": "Zu diesem Thema ist noch nichts gespeichert.",
        "window": "Zeitraum",
        "page": "Seite",
        "says": "sagt",
        "article": "der Artikel",
        "hedged": "unter Vorbehalt",
        "no_evidence": "ohne Beleg",
        "cited": "mit Beleg",
        "disputed_by": "im Widerspruch zu",
        "error": "Fehler",
    },
}


def label(key: str, language: str) -> str:
    table = LABELS.get(language, LABELS["en"])
    return table.get(key, LABELS["en"].get(key, key))
