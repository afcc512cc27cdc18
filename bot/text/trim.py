"""Shortening and joining sentences without adding a word: every variant is the source sentence with
spans removed (datelines, a leading conjunction, a relative clause, a trailing apposition), so each
word of a bullet stays supported by the article."""

from __future__ import annotations

import re
from itertools import pairwise

from bot.text.lexicon import (
    ANAPHORS,
    BACK_ADVERBS,
    DEICTICS,
    LEADING_CONJUNCTIONS,
    RELATIVE_FOLLOWERS_DE,
    RELATIVE_PRONOUNS,
    SPEECH_CUES,
    words,
)

_DATELINE = re.compile(
    r"^(?:[A-ZÄÖÜ][\wÄÖÜäöüß/.\- ]{1,40}?\s*\((?:[\w\- /]{2,20})\)\s*[-–—:]\s*"
    r"|[A-ZÄÖÜ]{3,}(?:[ /-][A-ZÄÖÜ]{2,})*\s*[-–—:]\s+)"
)
# "Mainz. Der ..." when the splitter glued a one-word dateline to the sentence it opens; four letters
# at least so that "Dr. Müller" keeps its title
_PLACE_DATELINE = re.compile(r"^(?!(?:Prof|Dipl|Abs|Ziff)\.)[A-ZÄÖÜ][a-zäöüß]{3,}(?:[/-][A-ZÄÖÜ][a-zäöüß]+)?"
                             r"\.\s+(?=[A-ZÄÖÜ„\"])")
_LEAD_LABEL = re.compile(r"^(?:[A-ZÄÖÜ][\wäöüß]*\s){0,3}[A-ZÄÖÜa-zäöüß]+:\s+(?=[A-ZÄÖÜ„\"])")
_QUOTES = "„“”\"»«"
_WORD = re.compile(r"[\w\-]+", re.UNICODE)


def _balanced(text: str) -> bool:
    opening = text.count("„") + text.count("»")
    closing = text.count("“") + text.count("«")
    return opening == closing and text.count('"') % 2 == 0 and text.count("”") % 2 == 0


def _finish(text: str, original: str) -> str:
    text = text.rstrip(" ,;:–—-")
    if not text:
        return text
    if text[-1] not in ".!?“”\"»«":
        end = original.rstrip()[-1:]
        text += end if end in ".!" else "."
    return text[0].upper() + text[1:]


def strip_front(text: str, language: str) -> str:
    """Drop a dateline, a leading coordinating conjunction and a short lead label ("Mehr noch:")."""
    text = _DATELINE.sub("", text, count=1)
    text = _PLACE_DATELINE.sub("", text, count=1)
    first = _WORD.match(text)
    if first and first.group(0).casefold() in LEADING_CONJUNCTIONS.get(language, frozenset()):
        rest = text[first.end():].lstrip(" ,")
        if rest and rest[0].isalpha():
            text = rest[0].upper() + rest[1:]
    label = _LEAD_LABEL.match(text)
    if label and '"' not in label.group(0) and len(label.group(0).split()) <= 4:
        text = text[label.end():]
    return text


_CLAUSE_START = re.compile(
    r",\s+(?:(von|mit|bei|für|auf|über|an|aus|nach|unter|in|of|with|for|in|on|at|by|from)\s+)?"
    r"([\wäöüÄÖÜß]+)\s+([\wäöüÄÖÜß\-]+)"
)
_PREPOSITIONAL_PRONOUNS = frozenset({"denen", "dem", "der", "deren", "dessen", "welchem", "welcher",
                                     "welchen", "which", "whom"})


def _relative_spans(text: str, language: str) -> list[tuple[int, int, bool]]:
    """(start, end, trailing) of relative clauses: ", der ... ," or ", der ... ." at the end."""
    pronouns = RELATIVE_PRONOUNS.get(language, frozenset())
    spans: list[tuple[int, int, bool]] = []
    for m in re.finditer(_CLAUSE_START, text):
        preposition, pronoun, nxt = m.group(1), m.group(2), m.group(3)
        if m.start() == 0 or not text[m.start() - 1].isalpha():
            continue  # a relative clause follows a noun
        if preposition:
            # "..., von denen vorher niemand wusste": never the start of reported speech, but
            # "..., von dem Geld sei nichts übrig" is
            if pronoun.casefold() not in _PREPOSITIONAL_PRONOUNS or (
                    pronoun != "denen" and nxt[:1].isupper()):
                continue
        elif pronoun.casefold() not in pronouns or pronoun[0].isupper():
            continue
        elif language == "de" and nxt[0].islower() and nxt not in RELATIVE_FOLLOWERS_DE:
            continue  # "..., das galt bislang ...": verb second, a main clause
        elif language == "de" and not _after_noun(text, m.start(), pronoun):
            continue  # "Kelber warnte, die App übertrage ...": reported speech, not a relative clause
        end = text.find(",", m.end())
        dash = min((i for i in (text.find(" – ", m.end()), text.find(" — ", m.end())) if i >= 0),
                   default=-1)
        if dash >= 0 and (end < 0 or dash < end):
            end = dash
        inner = text[m.start():end if end >= 0 else len(text)]
        if any(q in inner for q in _QUOTES) or not _balanced(text[:m.start()]):
            continue
        if end < 0:
            spans.append((m.start(), len(text), True))
        else:
            spans.append((m.start(), end, False))
    return spans


def _before_main_clause(text: str, language: str) -> str | None:
    """"Die App wird von 2,3 Millionen Menschen genutzt, die meisten zeichnen damit Strecken auf": a
    second main clause joined by a comma can go when the first is one whole clause of its own (no
    other comma, eight words or more) and not a bare frame ("Er sagte, das sei falsch")."""
    if language != "de" or any(q in text for q in _QUOTES):
        return None
    for m in _CLAUSE_START.finditer(text):
        pronoun, nxt = m.group(2), m.group(3)
        if m.group(1) or pronoun.casefold() not in RELATIVE_PRONOUNS["de"] or pronoun[0].isupper():
            continue
        if not nxt[0].islower() or nxt in RELATIVE_FOLLOWERS_DE:
            continue
        head = text[:m.start()]
        if ", " not in head and len(_WORD.findall(head)) >= 8 and not bare_frame(head, language):
            return head
    return None


def _after_noun(text: str, comma: int, pronoun: str) -> bool:
    """German nouns and names are capitalised: "der Konzern, der ..." is a relative clause, "warnte,
    die App ..." and "ohne Belege vorzulegen, der Bund ..." are what was said."""
    before = _WORD.findall(text[:comma][-40:])
    if not before or not before[-1][:1].isupper():
        return False
    if pronoun in ("dessen", "deren"):
        return True  # never the article of a new clause
    clause = _WORD.findall(re.split(r"[,;:–—]", text[:comma])[-1])
    # "Kelber warnte am Dienstag, die App ...": after a verb of saying the comma opens the statement
    return SPEECH_CUES["de"].isdisjoint(w.casefold() for w in clause)


_POINTERS = frozenset({"that", "this", "it", "so", "das", "dies", "es"})
_TRAILING_TIME = re.compile(r"(?:\s+(?:am|vom|on|last|this)\s+\w+|\s+(?:heute|gestern|erneut|"
                            r"nun|jetzt|today|yesterday|again))+$")


def bare_frame(text: str, language: str) -> bool:
    """A speaker and a verb of saying with what was said cut away: "Kelber warnte.", "Spahn behauptete,
    ohne Belege vorzulegen." A cut that leaves only this is no summary of the claim."""
    body = re.sub(r",\s+(?:ohne|without)\b[^,]*$", "", text.rstrip(" .!;:,"))
    body = _TRAILING_TIME.sub("", body)
    if re.search(r"[“”\"«»]\s*,", body):
        return False  # „…“, sagte er: the quote is what was said
    last = _WORD.findall(body)[-2:]
    if last and last[-1].casefold() in _POINTERS:
        return True  # "Halvorsen denied that": what was denied is cut away
    cues = SPEECH_CUES.get(language, frozenset())
    return bool(last) and (last[-1].casefold() in cues or (
        len(last) == 2 and last[0].casefold() in cues and last[1][:1].islower()))


def variants(text: str, language: str) -> list[str]:
    """The sentence and shorter versions of it, each ending in sentence punctuation, unique."""
    base = strip_front(text.strip(), language)
    out = [_finish(base, text)]
    for start, end, at_end in _relative_spans(base, language):
        after = _WORD.match(base[end + 1:].lstrip()) if not at_end else None
        # "..., dessen ... ist, darunter auch ...": the apposition goes with the clause
        trailing = at_end or bool(after and after.group(0).casefold() in _APPOSITION_OPENERS)
        if trailing:
            cut = base[:start]
        else:
            # an embedded clause: keep what follows its closing comma
            cut = base[:start] + " " + base[end + 1:].lstrip() if base[end] == "," else \
                base[:start] + base[end:]
            cut = re.sub(r"\s+", " ", cut)
        if _balanced(cut) and len(_WORD.findall(cut)) >= 4 and not bare_frame(cut, language):
            out.append(_finish(cut, text))
    head = _before_main_clause(base, language)
    if head:
        out.append(_finish(head, text))
    compressed = _drop_adjuncts(base, language)
    if compressed != base and _balanced(compressed):
        out.append(_finish(compressed, text))
    # a trailing apposition after a dash or ", darunter"/", including"
    for m in re.finditer(r"\s[–—]\s|,\s(?:darunter|etwa|including|such as|arguing|saying|adding|"
                         r"citing|noting|making|leaving|prompting)\s", base):
        head = base[:m.start()]
        tail = base[m.end():]
        if _balanced(head) and not any(q in tail for q in _QUOTES) and \
                len(_WORD.findall(head)) >= 5 and not bare_frame(head, language):
            out.append(_finish(head, text))
    seen: set[str] = set()
    unique = []
    for v in out:
        if v and v not in seen:
            seen.add(v)
            unique.append(v)
    return unique


# German adjuncts whose loss keeps the statement true: a reason ("aus Gründen der nationalen
# Sicherheit der USA") and the agent inside an extended participle ("der von den USA verhängten
# Exportkontrollen" -> "der Exportkontrollen"). A genitive chain: article, adjectives, a noun.
_GENITIVE = r"(?:(?:der|des) (?:[a-zäöüß]+ )*[A-ZÄÖÜ][\w\-]* )+"
_ADJUNCTS: dict[str, tuple[tuple[re.Pattern[str], str], ...]] = {
    "de": (
        (re.compile(rf" aus Gründen {_GENITIVE}"), " "),
        (re.compile(r"(?<=\b(?:der|die|das|den|dem|des) )von (?:den |der |dem |des )?"
                    r"[A-ZÄÖÜ][\w\-]* [a-zäöüß]+(?:ten|enen|ierten) (?=[A-ZÄÖÜ])"), ""),
    ),
}


def _drop_adjuncts(text: str, language: str) -> str:
    if language != "de" or (" Gründen " not in text and " von " not in text) or \
            any(q in text for q in _QUOTES):
        return text  # nothing to drop; and a quote is the speaker's words, never shortened
    for pattern, replacement in _ADJUNCTS.get(language, ()):
        text = pattern.sub(replacement, text, count=1)
    return text


def has_unresolved_deixis(text: str, language: str) -> bool:
    """'dort', 'damals' point at a place or time another sentence names; without one before them
    in the same sentence a bullet would leave the reader asking where."""
    deictic = DEICTICS.get(language, frozenset())
    low = text.casefold()
    if not any(d in low for d in deictic):
        return False  # the common case, without tokenizing
    tokens = _WORD.findall(strip_front(text, language))
    for i, w in enumerate(tokens):
        if w.casefold() in deictic:
            return not any(a.casefold() in ("in", "nach", "im") and b[:1].isupper()
                           for a, b in pairwise(tokens[:i]))
    return False


# "Für die Pendler bedeutet das ...": "das" after the verb is what the sentence before said
_WHAT_THAT_MEANS = re.compile(r"^(?:\S+ ){1,8}(?:bedeutet|heißt|hieße|bedeutete) (?:das|dies)\b")


def leans_on_previous(text: str, language: str) -> bool:
    """A pronoun in the first words ("Über seinen Kanal verbreitete er ...") points back, unless a
    capitalised word (a name or noun it may refer to) comes first. Words inside an opening quote
    are the speaker's; what counts is who says them."""
    if has_unresolved_deixis(text, language):
        return True
    if language == "de" and _WHAT_THAT_MEANS.match(text):
        return True
    anaphors = ANAPHORS.get(language, frozenset())
    body = strip_front(text, language)
    if body[:1] in "„\"»“":
        close = max(body.find("“", 1), body.find("”", 1), body.find('"', 1), body.find("«", 1))
        body = body[close + 1:] if close > 0 else body
        words = _WORD.findall(body)[:4]
        return any(w.casefold() in anaphors for w in words)
    words = _WORD.findall(body)[:6]
    if any(w.casefold() in BACK_ADVERBS.get(language, frozenset()) for w in words):
        return True
    for i, w in enumerate(words):
        if w.casefold() in anaphors:
            return True
        if i > 0 and w[0].isupper():
            return False
    return False


_APPOSITION_OPENERS = frozenset({"darunter", "etwa", "und", "oder", "vor", "including", "such",
                                 "especially", "and", "or"})


def join(first: str, second: str, language: str) -> str:
    """Two sentences as one: 'A; b'. The second loses its capital only when it opens with a
    function word, never a noun or name."""
    a = first.rstrip()
    if a.endswith((".", "!")):
        a = a[:-1]
    elif a.endswith(("?", "“", "”", '"', "»", "«")):
        return f"{first.rstrip()} {second.lstrip()}"
    b = second.lstrip()
    w = _WORD.match(b)
    if w and (w.group(0).casefold() in _FUNCTION.get(language, frozenset())):
        b = b[0].lower() + b[1:]
    return f"{a}; {b}"


_FUNCTION: dict[str, frozenset[str]] = {
    "de": words(
        "über unter mit von aus bei nach vor in im auf für gegen durch dessen deren er sie es "
        "sein seine ihr ihre dies diese dieser dabei damit dann doch noch auch zudem dafür "
        "dazu dadurch deshalb daher darum davon darauf dagegen trotzdem außerdem wer was wie wo "
        "der die das den dem des ein eine einer einem einen eines man"
    ),
    "en": words("he she they it its his her their this these that on in at with by"),
}
