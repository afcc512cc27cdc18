"""Every word briefbot writes itself, in the configured ``[bot] language`` (content keeps its own
language): one table per language, the same keys in each (``tests/test_i18n.py``)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.errors import parse_stored_error
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
        "claims_count": "{n} claims",
        "according_to": "according to {source}",
        "app_description": "Short news digests and an honest claims ledger",
        "no_options": "(no options)",
        "filter_claimant": "by",
        "filter_status": "status",
        "filter_topic": "topic",
        "status_disputed": "disputed",
        "status_no_evidence": "no evidence given",
        "status_hedged": "hedged",
        "article_who": "The article",
        "claims_one": "1 claim",
        "date_unknown": "date unknown",
        "timeline": "Timeline",
        "story_source": "Source",
        "more_in_digest": "/digest has the overview of the day",
        "kind_quote": "quote",
        "kind_indirect": "paraphrased",
        "kind_reported": "reported",
        "kind_prediction": "prediction",
        "kind_denial": "denial",
        "kind_statement": "statement",
        "contradicts": "contradicts {who}",
        "contradicts_article": "contradicts the article",
        "and_more": "and {n} more",
        "language": "Language",
        "language_set": "From now on I write in English here.",
        "language_is": "I write in English here. Admins change it with /language de|en.",
        "cmd_topic": "Briefing: {topic}",
        "cmd_claims": "Who claims what, hedged or not, with what evidence, disputed by whom",
        "cmd_digest": "The current daily digest",
        "cmd_sources": "Feeds and seeds with their health",
        "cmd_subscriptions": "Scheduled digests with their next time and last result",
        "cmd_help": "What briefbot can do",
        "cmd_subscribe": "Send the daily digest to this channel (admins)",
        "cmd_unsubscribe": "Stop the daily digest in this channel (admins)",
        "cmd_language": "The language I write in here: de or en (admins)",
        "opt_topic": "Limit to one topic",
        "opt_claimant": "Only claims by this person or organization",
        "opt_status": "Only disputed, unsupported or hedged claims",
        "opt_page": "Page number",
        "opt_time": "Local time, HH:MM",
        "opt_timezone": "IANA time zone, e.g. Europe/Berlin (default UTC)",
        "opt_language": "de (German) or en (English)",
        "usage_name": "NAME",
        "err_slash": "Commands start with /, e.g. /help",
        "err_free_words": "/{command} does not take {words}; usage: {usage}",
        "err_no_option": "/{command} has no option {option} (options: {options}); usage: {usage}",
        "err_none": "none",
        "err_whole_number": "{option} must be a whole number, got {value}",
        "err_at_least": "{option} must be at least {minimum}",
        "err_one_of": "{option} must be one of {choices}, got {value}",
        "err_needs": "/{command} needs {option}; usage: {usage}",
        "err_admins": "/{command} is for server or workspace admins only.",
        "err_in_channel": "/{command} works in a channel",
        "err_unknown_topic": "unknown topic {topic}; topics: {topics}",
        "err_pages": "there is only 1 page of claims",
        "err_pages_many": "there are only {pages} pages of claims",
        "err_unknown_status": "unknown status {status}; use one of: disputed, no_evidence, hedged",
        "err_unknown_claimant": "nobody called {name} makes a claim here",
        "err_closest": "closest: {names}",
        "err_not_available": "/{command} is not available",
        # /feeds (bot.answers.feeds)
        "cmd_feeds": "Feeds of this server or workspace: add, remove, list with health",
        "feeds": "Feeds",
        "feeds_added": "Added {name}: “{title}”, {entries} items.",
        "feeds_discovered": "Feed found on the page: {url}",
        "feeds_already": "{name} is already followed here ({url}).",
        "feeds_in_config": "{url} is already a feed of the config file ({name}).",
        "feeds_limit": "This community follows {limit} feeds, its limit ([limits] "
                       "feeds_per_community): remove one first.",
        "feeds_failed": "Could not add {url}: {error}",
        "feeds_name_taken": "The name {name} is taken here by another feed: choose another "
                            "with name:",
        "feeds_bad_url": "{url} is not an http(s) address; e.g. /feeds add "
                         "url:https://example.com/feed.xml",
        "feeds_removed": "Removed {name} ({url}); its stored items stay.",
        "feeds_remove_config": "{name} is a feed of the config file: it can only be removed "
                               "there.",
        "feeds_unknown": "No feed called {name} here; /feeds list shows the names.",
        "feeds_from_config": "from the config file",
        "feeds_shared": "shared, imported from OPML",
        "feeds_none": "No feeds yet: /feeds add url:… adds one.",
        "feeds_need_url": "/feeds add needs url:, e.g. /feeds add url:https://example.com/feed.xml",
        "feeds_need_name": "/feeds remove needs name:, as /feeds list shows it.",
        "feeds_admins": "/feeds {action} is for server or workspace admins only.",
        "opt_feeds_action": "add, remove or list",
        "opt_feeds_url": "Feed or website address",
        "opt_feeds_name": "Name of the feed in this community",
        "cmd_feeds_add": "Follow a feed or website here (admins)",
        "cmd_feeds_remove": "Stop following a feed here (admins)",
        "cmd_feeds_list": "This community's feeds with their health",
        "feed_down": "Feed {name} has been failing since {since}: {error}",
        "feed_up": "Feed {name} works again (last error: {error}).",
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
        "claims_count": "{n} Behauptungen",
        "according_to": "laut {source}",
        "app_description": "Kurze Nachrichtenüberblicke und ein ehrliches Verzeichnis der "
                           "Behauptungen",
        "no_options": "(ohne Optionen)",
        "filter_claimant": "von",
        "filter_status": "Status",
        "filter_topic": "Thema",
        "status_disputed": "bestritten",
        "status_no_evidence": "ohne Beleg",
        "status_hedged": "unter Vorbehalt",
        "article_who": "Der Artikel",
        "claims_one": "1 Behauptung",
        "date_unknown": "Datum unbekannt",
        "timeline": "Zeitleiste",
        "story_source": "Quelle",
        "more_in_digest": "/digest zeigt den Überblick des Tages",
        "kind_quote": "Zitat",
        "kind_indirect": "sinngemäß",
        "kind_reported": "berichtet",
        "kind_prediction": "Prognose",
        "kind_denial": "Dementi",
        "kind_statement": "Aussage",
        "contradicts": "widerspricht {who}",
        "contradicts_article": "widerspricht dem Artikel",
        "and_more": "und {n} weiteren",
        "language": "Sprache",
        "language_set": "Ab jetzt schreibe ich hier auf Deutsch.",
        "language_is": "Ich schreibe hier auf Deutsch. Admins ändern das mit /language de|en.",
        "cmd_topic": "Lagebild: {topic}",
        "cmd_claims": "Wer behauptet was, unter Vorbehalt oder nicht, mit welchem Beleg, "
                      "bestritten von wem",
        "cmd_digest": "Der aktuelle Tagesüberblick",
        "cmd_sources": "Feeds und Seeds und wie es ihnen geht",
        "cmd_subscriptions": "Geplante Überblicke mit nächstem Termin und letztem Ergebnis",
        "cmd_help": "Was briefbot kann",
        "cmd_subscribe": "Den Tagesüberblick in diesen Kanal schicken (Admins)",
        "cmd_unsubscribe": "Den Tagesüberblick in diesem Kanal beenden (Admins)",
        "cmd_language": "Die Sprache, in der ich hier schreibe: de oder en (Admins)",
        "opt_topic": "Nur ein Thema",
        "opt_claimant": "Nur Behauptungen dieser Person oder Organisation",
        "opt_status": "Nur bestrittene, unbelegte oder vorbehaltliche Behauptungen",
        "opt_page": "Seitenzahl",
        "opt_time": "Ortszeit, HH:MM",
        "opt_timezone": "IANA-Zeitzone, z. B. Europe/Berlin (sonst UTC)",
        "opt_language": "de (Deutsch) oder en (Englisch)",
        "usage_name": "NAME",
        "err_slash": "Befehle beginnen mit /, z. B. /help",
        "err_free_words": "/{command} nimmt {words} nicht an; so geht es: {usage}",
        "err_no_option": "/{command} hat keine Option {option} (Optionen: {options}); so geht es: "
                         "{usage}",
        "err_none": "keine",
        "err_whole_number": "{option} muss eine ganze Zahl sein, nicht {value}",
        "err_at_least": "{option} muss mindestens {minimum} sein",
        "err_one_of": "{option} muss eins von {choices} sein, nicht {value}",
        "err_needs": "/{command} braucht {option}; so geht es: {usage}",
        "err_admins": "/{command} ist nur für Admins des Servers oder Workspaces.",
        "err_in_channel": "/{command} geht nur in einem Kanal",
        "err_unknown_topic": "unbekanntes Thema {topic}; Themen: {topics}",
        "err_pages": "es gibt nur 1 Seite mit Behauptungen",
        "err_pages_many": "es gibt nur {pages} Seiten mit Behauptungen",
        "err_unknown_status": "unbekannter Status {status}; möglich sind: disputed, no_evidence, "
                              "hedged",
        "err_unknown_claimant": "von {name} gibt es hier keine Behauptung",
        "err_closest": "am ähnlichsten: {names}",
        "err_not_available": "/{command} gibt es nicht",
        # /feeds (bot.answers.feeds)
        "cmd_feeds": "Feeds dieses Servers oder Workspaces: hinzufügen, entfernen, mit Zustand "
                     "auflisten",
        "feeds": "Feeds",
        "feeds_added": "{name} hinzugefügt: „{title}“, {entries} Meldungen.",
        "feeds_discovered": "Feed auf der Seite gefunden: {url}",
        "feeds_already": "{name} wird hier schon verfolgt ({url}).",
        "feeds_in_config": "{url} ist schon ein Feed der Konfigurationsdatei ({name}).",
        "feeds_limit": "Diese Community verfolgt {limit} Feeds, ihre Grenze ([limits] "
                       "feeds_per_community): erst einen entfernen.",
        "feeds_failed": "{url} konnte nicht hinzugefügt werden: {error}",
        "feeds_name_taken": "Der Name {name} gehört hier schon einem anderen Feed: wähle mit "
                            "name: einen anderen.",
        "feeds_bad_url": "{url} ist keine http(s)-Adresse; z. B. /feeds add "
                         "url:https://example.com/feed.xml",
        "feeds_removed": "{name} entfernt ({url}); die gespeicherten Meldungen bleiben.",
        "feeds_remove_config": "{name} ist ein Feed der Konfigurationsdatei und kann nur dort "
                               "entfernt werden.",
        "feeds_unknown": "Hier gibt es keinen Feed namens {name}; /feeds list zeigt die Namen.",
        "feeds_from_config": "aus der Konfigurationsdatei",
        "feeds_shared": "gemeinsam, aus OPML importiert",
        "feeds_none": "Noch keine Feeds: /feeds add url:… fügt einen hinzu.",
        "feeds_need_url": "/feeds add braucht url:, z. B. /feeds add "
                          "url:https://example.com/feed.xml",
        "feeds_need_name": "/feeds remove braucht name:, wie /feeds list ihn zeigt.",
        "feeds_admins": "/feeds {action} ist nur für Server- oder Workspace-Admins.",
        "opt_feeds_action": "add, remove oder list",
        "opt_feeds_url": "Adresse des Feeds oder der Website",
        "opt_feeds_name": "Name des Feeds in dieser Community",
        "cmd_feeds_add": "Einen Feed oder eine Website hier verfolgen (Admins)",
        "cmd_feeds_remove": "Einen Feed hier nicht mehr verfolgen (Admins)",
        "cmd_feeds_list": "Die Feeds dieser Community mit ihrem Zustand",
        "feed_down": "Feed {name} schlägt seit {since} fehl: {error}",
        "feed_up": "Feed {name} funktioniert wieder (letzter Fehler: {error}).",
    },
}


LANGUAGES = tuple(LABELS)


def _extend(tables: dict[str, dict[str, str]]) -> None:
    """Add a group of labels (kept next to what uses them) to each language's table."""
    for language, table in tables.items():
        LABELS[language].update(table)


# Outer and inner quotation marks of each language: a quote inside a quote takes the inner pair.
QUOTES: dict[str, tuple[str, str, str, str]] = {
    "de": ("„", "“", "‚", "‘"),
    "en": ("“", "”", "‘", "’"),
}

CLAIM_LINE_MAX = 280  # characters of a claim line people read in one breath
MAX_NAMED_SIDES = 2  # "contradicts A, B and 3 more"


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


def phrase(key: str, language: str, **values: object) -> str:
    """A label with its ``{placeholders}`` filled: the sentence frames (errors, counts) keep their
    word order per language, so callers pass arguments, never pieces of sentences.

    Raises:
        MissingLabel: no table has ``key``.
    """
    return label(key, language).format(**values)


def count_label(n: int, one: str, many: str, language: str) -> str:
    """``1 claim`` / ``18 claims``: a number always says what it counts."""
    return label(one, language) if n == 1 else phrase(many, language, n=n)


def quoted(text: str, language: str) -> str:
    """``text`` in the language's quotation marks, with quotation marks inside it turned into the
    inner pair („… ‚…‘ …“), so a quote in a quote never closes the outer one."""
    outer_open, outer_close, _, _ = QUOTES.get(language, QUOTES["en"])
    return f"{outer_open}{inner_quotes(text, language)}{outer_close}"


_DOUBLE_OPEN = "„“«\u201f"  # characters that open a double quote in German or English text
_DOUBLE_CLOSE = "“”»"


def inner_quotes(text: str, language: str) -> str:
    """Double quotation marks inside ``text`` as the language's inner (single) marks; a straight
    ``"`` opens at a word start and closes otherwise."""
    _, _, inner_open, inner_close = QUOTES.get(language, QUOTES["en"])
    out: list[str] = []
    depth = 0
    for index, char in enumerate(text):
        previous = text[index - 1] if index else " "
        if char in "„«\u201f" or (char == "“" and language != "de" and depth == 0):
            out.append(inner_open)
            depth += 1
        elif char in _DOUBLE_CLOSE:
            out.append(inner_close)
            depth = max(0, depth - 1)
        elif char == '"':
            opening = previous.isspace() or previous in "([{—–-"
            out.append(inner_open if opening else inner_close)
            depth = depth + 1 if opening else max(0, depth - 1)
        else:
            out.append(char)
    return "".join(out)


def cut_words(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters, cut at a word boundary with " …"."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    head = text[: max(1, limit - 2)]
    if " " in head:
        head = head.rsplit(" ", 1)[0]
    return head.rstrip(" ,;:–-") + " …"


def kind_label(kind: str, language: str) -> str | None:
    """The reader's word for a claim kind; None for a kind that needs no tag (a direct quote is
    already in quotation marks) or one no table names (a code the claims stage added later)."""
    if kind == "quote":
        return None
    try:
        return label(f"kind_{kind}", language)
    except MissingLabel:
        return None


def dispute_sides(claim: Claim, language: str) -> list[str]:
    """Who stands on the other side of each of the claim's disputes (the article's own voice as
    "the article"), each once, in the order the ledger gives."""
    sides: list[str] = []
    for reason in claim.dispute_reasons:
        key = _counterpart(reason) or ""
        if key not in sides:
            sides.append(key)
    if not sides and claim.disputes:
        sides.append("")
    return sides


def _counterpart(reason: DisputeReason | str) -> str | None:
    """The other side's name in a dispute reason (None: the article's own voice); a plain-text
    reason ("Name („…“): why", as older stores and test stand-ins give it) names it before „."""
    if isinstance(reason, DisputeReason):
        return reason.counterpart
    who = reason.split(" („", 1)[0] if " („" in reason else ""
    return None if who in (label("article", lang) for lang in LABELS) else who or None


def contradicts(claim: Claim, language: str) -> str | None:
    """``widerspricht dem Artikel`` / ``contradicts Alexandr Wang, Elon Musk``: the dispute tag,
    with the names of the other sides (at most two, then "and N more")."""
    sides = dispute_sides(claim, language)
    if not sides:
        return None
    names = [s for s in sides if s]
    if not names:
        return label("contradicts_article", language)
    shown = names[:MAX_NAMED_SIDES]
    who = ", ".join(shown)
    rest = len(sides) - len(shown)
    if rest:
        who += " " + phrase("and_more", language, n=rest)
    return phrase("contradicts", language, who=who)


def claim_tags(claim: Claim, language: str, escape: Callable[[str], str]) -> list[str]:
    """The few facts after a claim that change how it reads: paraphrased or reported, hedged, no
    evidence given, who contradicts it, how many sources; ``escape`` makes source text (names)
    safe for the platform."""
    tags: list[str] = []
    kind = kind_label(claim.kind, language)
    if kind:
        tags.append(kind)
    if claim.hedged:
        tags.append(label("hedged", language))
    if claim.evidence == "none_given":
        tags.append(label("no_evidence", language))
    elif claim.evidence == "cited":
        tags.append(label("cited", language))
    dispute = contradicts(claim, language)
    if dispute:
        tags.append(escape(dispute))
    if len(claim.sources) > 1:
        tags.append(f"{len(claim.sources)} {label('source_count', language)}")
    return tags


def claim_who(claim: Claim, language: str) -> str:
    """Who makes the claim: the claimant, else the article's own voice ("Der Artikel")."""
    return claim.claimant or label("article_who", language)


def claim_quote(claim: Claim, language: str, *, who: str, tags: list[str]) -> str:
    """The claim's words in quotation marks, cut at a word so that who, quote and tags stay within
    ``CLAIM_LINE_MAX`` characters (at least 60 characters of the quote are always kept); empty
    for a claim whose words the reply already shows (``text`` emptied by the answer). The marks
    are those of the language the words were written in („…“ for German words in an English
    reply too); ``language`` (the reply's) stands in when the claim's is unknown."""
    if not claim.text:
        return ""
    room = CLAIM_LINE_MAX - len(who) - sum(len(t) + 3 for t in tags) - 6
    return quoted(cut_words(claim.text, max(60, room)), claim.language or language)


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
_extend(_DISPUTE_LABELS)

# what delivery writes (live posts, feed health) and how each language writes dates and durations
_DELIVERY_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "live_updated": "Updated: {title}",
        "live_new_items": "{n} new items",
        "when_format": "%Y-%m-%d %H:%M UTC",
        "duration_minutes": "{m} min",
        "duration_hours": "{h} h {m} min",
        "duration_days": "{d} d {h} h",
        "health_seed": "seed {name}",
        "health_ok": "ok, last success {when}",
        "health_not_fetched": "not fetched yet",
        "health_failing": "failing for {duration} (since {since}, {times}): {error}; "
                          "last success {when}",
        "health_once": "once",
        "health_times": "{n} times in a row",
        "health_never": "never",
        "health_warning": "warning: {warning}",
        "health_last_error": "last error: {error}",
        "health_next_poll": "next poll {when} (in {duration})",
        "health_poll_due": "next poll now",
        "health_polled_by": "last polled by {worker}",
    },
    "de": {
        "live_updated": "Aktualisiert: {title}",
        "live_new_items": "{n} neue Meldungen",
        "when_format": "%d.%m.%Y, %H:%M UTC",
        "duration_minutes": "{m} Min.",
        "duration_hours": "{h} Std. {m} Min.",
        "duration_days": "{d} Tg. {h} Std.",
        "health_seed": "Beispielartikel {name}",
        "health_ok": "in Ordnung, zuletzt erfolgreich am {when}",
        "health_not_fetched": "noch nicht abgerufen",
        "health_failing": "fehlerhaft seit {duration} (seit {since}, {times}): {error}; "
                          "zuletzt erfolgreich am {when}",
        "health_once": "einmal",
        "health_times": "{n}-mal in Folge",
        "health_never": "nie",
        "health_warning": "Warnung: {warning}",
        "health_last_error": "letzter Fehler: {error}",
        "health_next_poll": "nächster Abruf am {when} (in {duration})",
        "health_poll_due": "nächster Abruf jetzt",
        "health_polled_by": "zuletzt abgerufen von {worker}",
    },
}
_extend(_DELIVERY_LABELS)

# /subscribe, /unsubscribe, /subscriptions (bot.delivery.subscriptions, bot.answers.subscriptions)
# and the options of /subscribe; German needs the accusative after "bekommt" and "für".
_SUBSCRIPTION_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "sub_daily": "the daily digest",
        "sub_daily_acc": "the daily digest",
        "sub_topic": "the {topic} digest",
        "sub_topic_acc": "the {topic} digest",
        "sub_subscribed": "Subscribed: {what} every day at {time} {timezone}; the next one is due "
                          "{when}.",
        "sub_rescheduled": "Rescheduled: {what} every day at {time} {timezone}; the next one is "
                           "due {when}.",
        "sub_unsubscribed": "Unsubscribed: this channel no longer gets {what}.",
        "sub_not_found": "This channel has no subscription to {what}; /subscriptions lists what "
                         "it has.",
        "sub_bad_time": "{time} is not a time; write HH:MM in 24-hour form, e.g. time:08:00",
        "sub_bad_zone": "{timezone} is not an IANA time zone; write e.g. timezone:Europe/Berlin "
                        "or timezone:UTC",
        "sub_config_conflict": "This channel already gets this digest every day at {time} "
                               "{timezone} from the config file; change it there ([[digests]]).",
        "sub_config_fixed": "This digest comes from the config file ([[digests]]), so it cannot "
                            "be removed from chat; ask the bot's operator to delete it there and "
                            "restart.",
        "sub_limit": "This community has {limit} subscriptions, its limit ([limits] "
                     "subscriptions_per_community): /unsubscribe one first.",
        "sub_empty": "No scheduled digests here. /subscribe time:08:00 timezone:Europe/Berlin "
                     "posts one every day.",
        "sub_target": "{platform} channel {channel} ({what})",
        "sub_all_topics": "all topics",
        "sub_one_topic": "topic {topic}",
        "sub_live_target": "live, {what}",
        "sub_every_day": "every day at {time} {timezone}, {origin}",
        "sub_from_config": "from the config file",
        "sub_by": "subscribed by {user}",
        "sub_in_chat": "subscribed in chat",
        "sub_disabled": "DISABLED since {since}: {reason}",
        "sub_next": "next: {when}",
        "sub_last": "last: {what}",
        "sub_none_yet": "none yet",
        "sub_sent": "sent for {slot} at {when}",
        "sub_twice": "possibly posted twice: the platform could not tell whether an interrupted "
                     "earlier attempt had gone through",
        "sub_skipped": "skipped {slot}: {reason}",
        "sub_failed": "failed {slot}: {reason}",
        "sub_no_reason": "no reason recorded",
        "sub_delivering": "being delivered for {slot} (attempt {attempt})",
        "sub_notice": "digest to {target} is disabled: {reason}",
        "live_route": "live posts ({route})",
        "live_feeds": "feeds {names}",
        "live_all_feeds": "all feeds",
        "live_with": "with {words}",
        "live_without": "without {words}",
        "live_or": "or",
        "live_batched": "batched every {minutes} min",
        "live_one_post": "one post per item",
        "live_limits": "{batch}, at most {n} per hour; id {id}",
        "live_subscribed": "Subscribed: {what} from now on; {limits}.",
        "live_already": "Already subscribed: {what} from now on; {limits}.",
        "live_unsubscribed": "Unsubscribed: the {what} end here.",
        "live_not_found": "This channel has no such live subscription; /subscriptions lists what "
                          "it has, with ids.",
        "live_several": "This channel has several live subscriptions; name one with id:ID "
                        "({ids}).",
        "live_config_fixed": "This subscription comes from the config file ([[subscriptions]]), "
                             "so it cannot be removed from chat; ask the bot's operator.",
        "live_no_time": "time: and timezone: apply only to digests; a live subscription posts "
                        "each item as it arrives",
        "sub_bad_mode": "mode:{mode} is not a mode; write mode:digest or mode:live",
        "sub_needs_time": "a digest needs a time, e.g. /subscribe time:08:00 "
                          "timezone:Europe/Berlin (or mode:live for each new item)",
        "opt_mode": "digest (daily, the default) or live (each new item)",
        "opt_unsubscribe_mode": "digest (the default) or live",
        "opt_live_feeds": "Live: feed names, comma-separated (default: all)",
        "opt_include": "Live: words an item needs one of, comma-separated",
        "opt_exclude": "Live: words that leave an item out, comma-separated",
        "opt_id": "The subscription id /subscriptions shows",
    },
    "de": {
        "sub_daily": "der Tagesüberblick",
        "sub_daily_acc": "den Tagesüberblick",
        "sub_topic": "der Überblick zum Thema {topic}",
        "sub_topic_acc": "den Überblick zum Thema {topic}",
        "sub_subscribed": "Abonniert: {what}, jeden Tag um {time} {timezone}; der nächste kommt "
                          "am {when}.",
        "sub_rescheduled": "Verlegt: {what}, jeden Tag um {time} {timezone}; der nächste kommt "
                           "am {when}.",
        "sub_unsubscribed": "Abbestellt: Dieser Kanal bekommt {what} nicht mehr.",
        "sub_not_found": "Dieser Kanal hat kein Abonnement für {what}; /subscriptions zeigt, "
                         "was er hat.",
        "sub_bad_time": "{time} ist keine Uhrzeit; schreibe HH:MM im 24-Stunden-Format, z. B. "
                        "time:08:00",
        "sub_bad_zone": "{timezone} ist keine IANA-Zeitzone; schreibe z. B. "
                        "timezone:Europe/Berlin oder timezone:UTC",
        "sub_config_conflict": "Dieser Kanal bekommt diesen Überblick schon jeden Tag um {time} "
                               "{timezone} laut Konfigurationsdatei; ändere es dort "
                               "([[digests]]).",
        "sub_config_fixed": "Dieser Überblick steht in der Konfigurationsdatei ([[digests]]) "
                            "und lässt sich nicht im Chat abbestellen; bitte den Betreiber des "
                            "Bots, ihn dort zu löschen und neu zu starten.",
        "sub_limit": "Diese Community hat {limit} Abonnements, ihre Grenze ([limits] "
                     "subscriptions_per_community): erst eins mit /unsubscribe abbestellen.",
        "sub_empty": "Hier sind keine Überblicke geplant. /subscribe time:08:00 "
                     "timezone:Europe/Berlin schickt jeden Tag einen.",
        "sub_target": "{platform}-Kanal {channel} ({what})",
        "sub_all_topics": "alle Themen",
        "sub_one_topic": "Thema {topic}",
        "sub_live_target": "live, {what}",
        "sub_every_day": "jeden Tag um {time} {timezone}, {origin}",
        "sub_from_config": "aus der Konfigurationsdatei",
        "sub_by": "abonniert von {user}",
        "sub_in_chat": "im Chat abonniert",
        "sub_disabled": "ABGESCHALTET seit {since}: {reason}",
        "sub_next": "nächster: {when}",
        "sub_last": "letzter: {what}",
        "sub_none_yet": "noch keiner",
        "sub_sent": "gesendet für {slot} am {when}",
        "sub_twice": "womöglich doppelt gepostet: Die Plattform konnte nicht sagen, ob ein "
                     "unterbrochener früherer Versuch angekommen war",
        "sub_skipped": "ausgelassen für {slot}: {reason}",
        "sub_failed": "fehlgeschlagen für {slot}: {reason}",
        "sub_no_reason": "kein Grund vermerkt",
        "sub_delivering": "wird gerade zugestellt für {slot} ({attempt}. Versuch)",
        "sub_notice": "Überblick an {target} ist abgeschaltet: {reason}",
        "live_route": "Live-Beiträge ({route})",
        "live_feeds": "Feeds {names}",
        "live_all_feeds": "alle Feeds",
        "live_with": "mit {words}",
        "live_without": "ohne {words}",
        "live_or": "oder",
        "live_batched": "gesammelt alle {minutes} Min.",
        "live_one_post": "ein Beitrag je Meldung",
        "live_limits": "{batch}, höchstens {n} pro Stunde; ID {id}",
        "live_subscribed": "Abonniert: {what} ab jetzt; {limits}.",
        "live_already": "Schon abonniert: {what} ab jetzt; {limits}.",
        "live_unsubscribed": "Abbestellt: Die {what} enden hier.",
        "live_not_found": "Dieser Kanal hat kein solches Live-Abonnement; /subscriptions zeigt, "
                          "was er hat, mit IDs.",
        "live_several": "Dieser Kanal hat mehrere Live-Abonnements; nenne eins mit id:ID "
                        "({ids}).",
        "live_config_fixed": "Dieses Abonnement steht in der Konfigurationsdatei "
                             "([[subscriptions]]) und lässt sich nicht im Chat abbestellen; "
                             "frag den Betreiber des Bots.",
        "live_no_time": "time: und timezone: gelten nur für Überblicke; ein Live-Abonnement "
                        "postet jede Meldung, sobald sie ankommt",
        "sub_bad_mode": "mode:{mode} gibt es nicht; schreibe mode:digest oder mode:live",
        "sub_needs_time": "Ein Überblick braucht eine Uhrzeit, z. B. /subscribe time:08:00 "
                          "timezone:Europe/Berlin (oder mode:live für jede neue Meldung)",
        "opt_mode": "digest (täglich, die Vorgabe) oder live (jede neue Meldung)",
        "opt_unsubscribe_mode": "digest (die Vorgabe) oder live",
        "opt_live_feeds": "Live: Namen von Feeds, durch Kommas getrennt (sonst alle)",
        "opt_include": "Live: Wörter, von denen eine Meldung eins enthalten muss, durch Kommas "
                       "getrennt",
        "opt_exclude": "Live: Wörter, die eine Meldung ausschließen, durch Kommas getrennt",
        "opt_id": "Die ID des Abonnements, wie /subscriptions sie zeigt",
    },
}
_extend(_SUBSCRIPTION_LABELS)

# why a feed could not be fetched (bot.errors.FeedError.code, its args): what /feeds list, /sources,
# feed alerts and digest notices say; the fetcher's own English sentence stays in the log
_FETCH_ERROR_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "fetch_http_status": "the server answered HTTP {status}",
        "fetch_bad_url": "not a valid address",
        "fetch_bad_scheme": "only http and https addresses are fetched, not {scheme}",
        "fetch_no_host": "the address names no host",
        "fetch_not_public": "{host} is not a public address",
        "fetch_timeout": "the server took too long to answer",
        "fetch_no_connection": "cannot connect to {host}",
        "fetch_bad_response": "the server's answer was not valid HTTP",
        "fetch_broken_body": "the connection broke while the feed was being read",
        "fetch_request_failed": "the request failed",
        "fetch_bad_redirect": "the server redirected without saying where to",
        "fetch_redirect_loop": "the server's redirects go round in a loop",
        "fetch_too_many_redirects": "more than {n} redirects",
        "fetch_empty_body": "the server sent an empty answer",
        "fetch_unparsable": "the feed could not be read",
        "fetch_not_a_feed": "not a feed (neither RSS, Atom nor JSON Feed)",
        "fetch_no_feed_found": "neither a feed nor a page that links to one",
        "fetch_linked_not_feed": "the page names {url} as its feed, but that is not a feed",
        "fetch_too_large": "larger than the size limit of {bytes} bytes ([fetch] max_bytes)",
        "fetch_bad_not_modified": "the server answered “not modified” to a first request",
        "fetch_other": "the feed could not be fetched (the details are in the bot's log)",
    },
    "de": {
        "fetch_http_status": "der Server antwortete mit HTTP {status}",
        "fetch_bad_url": "keine gültige Adresse",
        "fetch_bad_scheme": "abgerufen werden nur http- und https-Adressen, nicht {scheme}",
        "fetch_no_host": "die Adresse nennt keinen Host",
        "fetch_not_public": "{host} ist keine öffentliche Adresse",
        "fetch_timeout": "der Server hat zu lange nicht geantwortet",
        "fetch_no_connection": "keine Verbindung zu {host}",
        "fetch_bad_response": "die Antwort des Servers war kein gültiges HTTP",
        "fetch_broken_body": "die Verbindung brach beim Lesen des Feeds ab",
        "fetch_request_failed": "die Anfrage ist fehlgeschlagen",
        "fetch_bad_redirect": "der Server leitete weiter, ohne zu sagen, wohin",
        "fetch_redirect_loop": "die Weiterleitungen des Servers drehen sich im Kreis",
        "fetch_too_many_redirects": "mehr als {n} Weiterleitungen",
        "fetch_empty_body": "der Server schickte eine leere Antwort",
        "fetch_unparsable": "der Feed ließ sich nicht lesen",
        "fetch_not_a_feed": "kein Feed (weder RSS noch Atom noch JSON Feed)",
        "fetch_no_feed_found": "weder ein Feed noch eine Seite, die auf einen verweist",
        "fetch_linked_not_feed": "die Seite nennt {url} als ihren Feed, aber das ist keiner",
        "fetch_too_large": "größer als die Grenze von {bytes} Bytes ([fetch] max_bytes)",
        "fetch_bad_not_modified": "der Server antwortete auf eine erste Anfrage mit „nicht "
                                  "geändert“",
        "fetch_other": "der Feed ließ sich nicht abrufen (Einzelheiten im Log des Bots)",
    },
}
_extend(_FETCH_ERROR_LABELS)


_HTTP_STATUS = re.compile(r"^HTTP (\d{3})\b")


def fetch_error(stored: str | None, language: str) -> str:
    """A stored fetch error (``bot.errors.FeedError.stored``) in the community's words. A code no
    table names (a newer fetcher) and a plain older text fall back to the general sentence: the
    fetcher's English never reaches a German channel."""
    if not stored:
        return label("fetch_other", language)
    code, args, detail = parse_stored_error(stored)
    status = _HTTP_STATUS.match(detail)
    if code == "other" and status:  # as rows stored before errors had codes say it
        code, args = "http_status", {"status": int(status.group(1))}
    if code == "other" and language == "en":
        return detail  # the fetcher writes English: its own sentence says more
    if language == "de":
        args = {k: (f"{v:,}".replace(",", ".") if isinstance(v, int) and k == "bytes" else v)
                for k, v in args.items()}
    elif "bytes" in args and isinstance(args["bytes"], int):
        args = {**args, "bytes": f"{args['bytes']:,}"}
    try:
        return phrase(f"fetch_{code}", language, **args)
    except (MissingLabel, KeyError, IndexError):
        return label("fetch_other", language)


def when(moment: datetime | None, language: str) -> str:
    """A moment in UTC as the language writes it (``2026-01-10 12:00 UTC``, ``10.01.2026, 12:00
    UTC``); none: "never"."""
    if moment is None:
        return label("health_never", language)
    return moment.astimezone(UTC).strftime(label("when_format", language))


def duration(span: timedelta, language: str) -> str:
    """A span rounded to whole minutes, in the language's units (``3 h 5 min``, ``3 Std. 5
    Min.``); a span of days drops the minutes."""
    minutes = max(0, round(span.total_seconds() / 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return phrase("duration_days", language, d=days, h=hours)
    if hours:
        return phrase("duration_hours", language, h=hours, m=minutes)
    return phrase("duration_minutes", language, m=minutes)


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
