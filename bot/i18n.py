"""Every word briefbot writes itself, in the configured ``[bot] language`` (content keeps its own
language): one table per language, the same keys in each (``tests/test_i18n.py``)."""

from __future__ import annotations

from collections.abc import Callable

from bot.model import Claim, DisputeReason

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
        "link": "link",
        "working": "Working on it…",
        "answer_failed": "Something went wrong while answering; the details are in the bot's log.",
        "rest_truncated": "The rest did not fit; narrow the request (e.g. a page or a topic).",
        "subscribe_in_channel": "Digests go to channels: run /subscribe in the channel that "
                                "should get them.",
        "bot_not_in_channel": "I am not in this channel yet, so I could not post the digest here: "
                              "type /invite @briefbot, then /subscribe again.",
        "bot_cannot_see_channel": "I cannot see this channel (private?). Type /invite @briefbot "
                                  "here, then /subscribe again.",
        "new_figure": "New figure",
        "revised_figure": "Revised",
        "new_dispute": "Newly disputed",
        "first_report": "first reported",
        "sources_count": "sources",
        "source_one": "source",
        "window_day": "last 24 hours",
        "window_newest": "newest {n} items",
        "window_since": "since the last digest",
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
        "link": "Link",
        "working": "Einen Moment, ich arbeite daran…",
        "answer_failed": "Beim Antworten ist etwas schiefgegangen; die Einzelheiten stehen im "
                         "Log des Bots.",
        "rest_truncated": "Der Rest passte nicht mehr hinein; grenze die Anfrage ein (z. B. mit "
                          "einer Seite oder einem Thema).",
        "subscribe_in_channel": "Überblicke gehen an Kanäle: Führe /subscribe in dem Kanal aus, "
                                "der sie bekommen soll.",
        "bot_not_in_channel": "Ich bin noch nicht in diesem Kanal und könnte den Überblick hier "
                              "nicht posten: Tippe /invite @briefbot, dann noch einmal /subscribe.",
        "bot_cannot_see_channel": "Ich kann diesen Kanal nicht sehen (privat?). Tippe hier "
                                  "/invite @briefbot, dann noch einmal /subscribe.",
        "new_figure": "Neue Zahl",
        "revised_figure": "Korrigiert",
        "new_dispute": "Neu bestritten",
        "first_report": "zuerst gemeldet",
        "sources_count": "Quellen",
        "source_one": "Quelle",
        "window_day": "letzte 24 Stunden",
        "window_newest": "neueste {n} Meldungen",
        "window_since": "seit dem letzten Überblick",
    },
}


class MissingLabel(KeyError):
    """A label key no table has: a bug in the caller (a typo), never shown to a user as the key."""


def label(key: str, language: str) -> str:
    """The words for ``key`` in ``language`` (English for a language without a table).

    Raises:
        MissingLabel: no table has ``key``.
    """
    table = LABELS.get(language, LABELS["en"])
    try:
        return table[key]
    except KeyError:
        raise MissingLabel(f"no label {key!r} in the {language!r} table") from None


def claim_tags(claim: Claim, language: str, escape: Callable[[str], str]) -> list[str]:
    """The bracketed facts every adapter shows after a claim (kind, cue, hedges, evidence, disputes,
    number of sources), in the bot's language; ``escape`` makes source text safe for the platform."""
    tags = [escape(claim.kind)]
    if claim.cue:
        tags.append(f"„{escape(claim.cue)}“")
    if claim.hedged:
        hedge = label("hedged", language)
        tags.append(f"{hedge}: {escape(', '.join(claim.hedges))}" if claim.hedges else hedge)
    if claim.evidence == "none_given":
        tags.append(label("no_evidence", language))
    elif claim.evidence == "cited":
        tags.append(label("cited", language))
    if claim.disputes:
        reasons = "; ".join(dispute_text(r, language) for r in claim.dispute_reasons) or ", ".join(
            claim.disputes)
        tags.append(f"{label('disputed_by', language)}: {escape(reasons)}")
    if len(claim.sources) > 1:
        tags.append(f"{len(claim.sources)} {label('source_count', language)}")
    return tags


# --- dispute reasons (bot.model.DisputeReason): one sentence frame per code and language ----------
# "{doubter}"/"{other}" are claimants or the article; German needs the article in the dative after
# "widersprechen" ("widerspricht dem Artikel"), hence the separate "_dat" forms.

_DISPUTE_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "dispute_figure_differs": "different {subject} figures: {value} ({doubter}) vs {other_value} "
                                  "({other})",
        "dispute_doubt_marker": "{doubter} doubts {other} about {subject} ({marker})",
        "dispute_denial": "{doubter} denies what {other} says ({marker})",
        "dispute_same_item": "same item",
        "dispute_another_item": "another item",
        "dispute_article_dat": "the article",
        "dispute_topic_cost": "cost",
        "dispute_topic_compute": "compute",
        "number_million": "million",
        "number_billion": "billion",
    },
    "de": {
        "dispute_figure_differs": "unterschiedliche Zahlen zu {subject}: {value} ({doubter}) "
                                  "gegenüber {other_value} ({other})",
        "dispute_doubt_marker": "{doubter} widerspricht {other_dat} zu {subject} („{marker}“)",
        "dispute_denial": "{doubter} widerspricht {other_dat} („{marker}“)",
        "dispute_same_item": "im selben Artikel",
        "dispute_another_item": "in einem anderen Artikel",
        "dispute_article_dat": "dem Artikel",
        "dispute_topic_cost": "Kosten",
        "dispute_topic_compute": "Rechenleistung",
        "number_million": "Millionen",
        "number_billion": "Milliarden",
    },
}
for _language, _table in _DISPUTE_LABELS.items():
    LABELS[_language].update(_table)


def dispute_text(reason: DisputeReason | str, language: str) -> str:
    """A dispute reason in words, with the other side first when it is known; a plain string (an
    adapter test's stand-in) is shown as it is."""
    if isinstance(reason, str):
        return reason
    if reason.code == "legacy":
        body = reason.text or ""
    else:
        body = _dispute_body(reason, language)
        if reason.same_item is not None:
            where = label("dispute_same_item" if reason.same_item else "dispute_another_item",
                          language)
            body = f"{body} ({where})"
    if reason.counterpart_text is None:
        return body
    who = reason.counterpart or label("article", language)
    return f"{who} („{reason.counterpart_text}“): {body}"


def _dispute_body(reason: DisputeReason, language: str) -> str:
    article = label("article", language)
    subject = reason.subject or ""
    if reason.code == "figure_differs":
        subject = label(f"dispute_topic_{subject}", language) if subject else subject
    values = [_number(v, language) for v in reason.values] + ["", ""]
    return label(f"dispute_{reason.code}", language).format(
        doubter=reason.doubter or article, other=reason.other or article,
        other_dat=reason.other or label("dispute_article_dat", language),
        subject=subject, marker=reason.marker or "", value=values[0], other_value=values[1])


def _number(value: float, language: str) -> str:
    """5600000 → "5.6 million" / "5,6 Millionen"; 50000 → "50,000" / "50.000"."""
    for scale, key in ((1e9, "number_billion"), (1e6, "number_million")):
        if value >= scale:
            text = f"{value / scale:g}"
            text = text.replace(".", ",") if language == "de" else text
            return f"{text} {label(key, language)}"
    text = f"{value:,.0f}"
    return text.replace(",", ".") if language == "de" else text
