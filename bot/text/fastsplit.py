"""A fast tokenizer for plain news paragraphs that gives SoMaJo's tokens, or says it cannot.

SoMaJo's tokenizer runs dozens of regular expressions over every paragraph (URLs, emoticons,
abbreviations, dates, XML...), and that is most of the analysis time. Well-formed news prose needs
none of them: words, numbers, and a few punctuation marks separated by spaces. ``tokenize`` handles
exactly that and returns ``None`` for anything else (a character outside a small set, an abbreviation
or ordinal before a full stop, punctuation glued to a word where SoMaJo has special rules, an
apostrophe, a hyphen at a word's edge...), so that the caller runs SoMaJo on that paragraph. The
sentences are then cut by SoMaJo's own sentence splitter on these tokens, so the boundaries follow
the same rules. Agreement with SoMaJo is measured on news corpora (docs/benchmarks.md).
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib.resources import files
from typing import NamedTuple

from somajo.sentence_splitter import SentenceSplitter
from somajo.token import Token

from bot.text.lexicon import words

# Characters a plain paragraph may contain: letters, digits, whitespace and these marks.
_NOT_PLAIN = re.compile(r"(?![^\W_]|[\s.,;:!?()„“”\"–-]).", re.DOTALL)
_TOKEN = re.compile(
    r"(?:\d{1,3}(?:[.,]\d{3})+|\d+(?:[.,]\d+)?|[^\W\d_]+(?:-[^\W\d_]+)*)(?![^\W_]|[.,]\d)"
    r"|[.,;:!?()„“”\"–]|(?<!\S)-(?!\S)")
# One word to us, two or three to SoMaJo's English tokenizer ("can" "not", "i" "m"): its list of
# contractions without an apostrophe (somajo/tokenizer.py, en_twopart/threepart_contractions).
_ENGLISH_SPLIT_WORDS = words(
    "aint alot arent cant couldnt didnt doesnt dont dunno gonna gotta hasnt havent hes im "
    "isnt ive lemme lets outta shes theres theyve wanna whaddya whatcha wont wouldnt youll youre "
    "youve gimme")
_ROMAN = re.compile(r"[IVXLCDM]+")
# SoMaJo's ``artikel`` pattern: "Art" and the next character are one token before a number ("Art. 5",
# also "Art, 20" in "Museum of Modern Art, 20 analysts"); such a stretch is left to SoMaJo
_ARTIKEL = re.compile(r"\bArt.(?=\s?\d)", re.IGNORECASE)
_ONE_WORD_ABBREVIATION = re.compile(r"[^\W\d_]{2,}\.")
_WORDLIKE = re.compile(r"[^\W_]")
_MARKS = frozenset(".,;:!?()„“”\"–-")
# SoMaJo's English tokenizer makes two tokens of this word ("can" "not"), as does ``tokenize``
_CANNOT = "cannot"
_CLOSING = frozenset("“”\")")
_SENTENCE_END = frozenset(".!?")

SOMAJO_MODEL = {"de": "de_CMC", "en": "en_PTB"}


class FastToken(NamedTuple):
    """A token with offsets into its paragraph (a named tuple: there is one per word)."""

    text: str
    start: int
    end: int


@lru_cache(maxsize=4)
def _abbreviations(language: str) -> frozenset[str]:
    """SoMaJo's own abbreviation lists (casefolded, without the full stop)."""
    names = ["abbreviations_de.txt", "single_token_abbreviations_de.txt"] if language == "de" else [
        "abbreviations_en.txt", "single_token_abbreviations_en.txt"]
    out: set[str] = set()
    for name in names:
        for line in files("somajo").joinpath("data", name).read_text(encoding="utf-8").splitlines():
            entry = line.split("#", 1)[0].strip()
            if entry:
                out.add(entry.rstrip(".").casefold())
                out.update(part.casefold() for part in entry.split(".") if part)
    return frozenset(out)


@lru_cache(maxsize=4)
def _word_abbreviations(language: str) -> frozenset[str]:
    """The entries of SoMaJo's abbreviation list that are one word and a full stop ("dr.", "bzw."):
    SoMaJo makes each one token, so does ``tokenize``."""
    name = "abbreviations_de.txt" if language == "de" else "abbreviations_en.txt"
    text = files("somajo").joinpath("data", name).read_text(encoding="utf-8")
    entries = (line.split("#", 1)[0].strip().casefold() for line in text.splitlines())
    return frozenset(e for e in entries if _ONE_WORD_ABBREVIATION.fullmatch(e))


@lru_cache(maxsize=4)
def splitter(language: str) -> SentenceSplitter:
    return SentenceSplitter(language=SOMAJO_MODEL.get(language, "en_PTB"))


def tokenize(paragraph: str, language: str) -> list[FastToken] | None:
    """SoMaJo's tokens of a plain paragraph with offsets into it, or None when it is not plain."""
    urls = _plain_urls(paragraph)
    if language == "en" and "." in paragraph:
        urls = sorted(urls + [m.span() for m in _DOTTED.finditer(paragraph)])
    masked = _masked(paragraph, urls) if urls else paragraph
    clitics: list[tuple[int, int]] | None = []
    if language == "en" and _APOSTROPHE.search(masked):
        clitics = english_clitics(masked)
        if clitics is None:
            return None
        masked = _masked(masked, clitics, " ")
    if _NOT_PLAIN.search(masked) or _ARTIKEL.search(masked):
        return None
    tokens = [FastToken(m.group(), *m.span()) for m in _TOKEN.finditer(masked)]
    covered = sum(t.end - t.start for t in tokens)
    if covered != len("".join(masked.split())):  # str.split() cuts at what str.isspace() is
        return None  # something the plain grammar does not know (H5N1, 20.06.2006, ...)
    tokens = _join_abbreviations(masked, tokens, _word_abbreviations(language))
    tokens = _join_initials(masked, tokens)
    if language == "de":
        tokens = _join_ordinals(masked, tokens)
    else:
        tokens = _split_cannot(tokens)
    abbreviations = _abbreviations(language)
    for tok in tokens:
        if not _plain_token(masked, tok, language, abbreviations):
            return None
    if clitics:
        tokens = sorted(tokens + [FastToken("", start, end) for start, end in clitics],
                        key=lambda t: t.start)
    if urls or clitics:
        return [FastToken(paragraph[t.start:t.end], t.start, t.end) for t in tokens]
    return tokens


# Letters each with a full stop before a space ("U.S.", "F.B.I.", "p.m."): one token, as SoMaJo's
# English tokenizer makes them; masked as one word, like a web address (whether one ends the
# sentence is then left to SoMaJo's sentence splitter, which gets a stretch with a full stop inside)
_DOTTED = re.compile(r"(?<!\S)(?:[A-Za-z]\.){2,}(?=\s)")
_APOSTROPHE = re.compile("['’]")
# What SoMaJo's English tokenizer splits off a word at an apostrophe (``en_dms``, ``en_llreve``,
# ``en_not``, ``en_trailing_apos`` in somajo/tokenizer.py), in the one setting where nothing else
# of it reads that apostrophe: a word of letters before it ("Nvidia's", "don't", "workers'"), and
# after the piece the end, a space or a plain mark. Paired single quotes need an apostrophe after
# a non-letter (``paired_single_quot_mark``), "d'Artagnan" letters after it; neither is taken here.
_CLITIC = re.compile(r"(?<=[^\W\d_])(?:n['’]t|['’](?:[dms]|ll|re|ve)|(?<=[sx])['’])"
                     r"(?=$|[\s.,;:!?)\"“”–])", re.IGNORECASE)
_WORD_BEFORE = re.compile(r"[^\W\d_]+$")
_LETTER_APOSTROPHE = frozenset("dlo")


def english_clitics(paragraph: str) -> list[tuple[int, int]] | None:
    """The spans of the pieces SoMaJo's English tokenizer splits off at each apostrophe of the
    paragraph ("'s", "n't", "'"), or None when one apostrophe is not of that plain kind."""
    spans: list[tuple[int, int]] = []
    for found in _CLITIC.finditer(paragraph):
        start, end = found.span()
        piece = found.group()
        if len(piece) == 1 and paragraph[start - 1] not in "sx":
            return None  # after an upper-case S or X: SoMaJo's trailing apostrophe is lower-case
        word = _WORD_BEFORE.search(paragraph, 0, start)
        if piece[0] in "'’" and word is not None and word.group().casefold() in _LETTER_APOSTROPHE:
            return None  # "d's", "O's": SoMaJo's letter-apostrophe words ("d'Artagnan")
        spans.append((start, end))
    return spans if len(_APOSTROPHE.findall(paragraph)) == len(spans) else None


# A web address as SoMaJo's ``simple_url`` takes it (somajo/tokenizer.py), in the one shape where its
# end is plain to see: a protocol, then letters, digits, dots, hyphens and slashes, ending in a
# letter, digit or slash; what follows up to a space or the end may only be marks that pattern
# never ends an address with (".", ",", ...), so its greedy match ends where this one does.
_URL = re.compile(r"(?<!\S)https?://[A-Za-z0-9./-]*[A-Za-z0-9/]")
_URL_TAIL = re.compile(r"[.,;:!?]*(?= |$)")


def _plain_urls(paragraph: str) -> list[tuple[int, int]]:
    if "://" not in paragraph:
        return []
    return [(m.start(), m.end()) for m in _URL.finditer(paragraph)
            if _URL_TAIL.match(paragraph, m.end())]


def _masked(paragraph: str, spans: list[tuple[int, int]], fill: str = "x") -> str:
    """The paragraph with each address as one plain word of the same length ("xxxx"), so that the
    plain grammar makes it one token with the same neighbours; its text is put back after. With
    ``fill`` " ", spans the plain grammar must not see (clitics, added back as tokens)."""
    parts: list[str] = []
    pos = 0
    for start, end in spans:
        parts += [paragraph[pos:start], fill * (end - start)]
        pos = end
    parts.append(paragraph[pos:])
    return "".join(parts)


def _join_initials(paragraph: str, tokens: list[FastToken]) -> list[FastToken]:
    """"z" "." -> "z." for one letter between spaces (or the edges) and a full stop: SoMaJo's
    ``single_letter_abbreviation`` makes every such letter with its full stop one token ("z. B.",
    "John F. Kennedy"), and its sentence splitter then reads that token as it reads it here."""
    out: list[FastToken] = []
    for tok in tokens:
        previous = out[-1] if out else None
        if (tok.text == "." and previous is not None and previous.end == tok.start
                and len(previous.text) == 1 and previous.text.isalpha()
                and (previous.start == 0 or paragraph[previous.start - 1].isspace())
                and (tok.end == len(paragraph) or paragraph[tok.end].isspace())):
            out[-1] = FastToken(previous.text + ".", previous.start, tok.end)
        else:
            out.append(tok)
    return out


def _join_abbreviations(paragraph: str, tokens: list[FastToken],
                        known: frozenset[str]) -> list[FastToken]:
    """"Dr" "." -> "Dr." where SoMaJo's list has it and a space follows."""
    out: list[FastToken] = []
    for tok in tokens:
        previous = out[-1] if out else None
        if (tok.text == "." and previous is not None and previous.end == tok.start
                and (previous.text + ".").casefold() in known
                and paragraph[tok.end:tok.end + 1].isspace()):
            out[-1] = FastToken(previous.text + ".", previous.start, tok.end)
        else:
            out.append(tok)
    return out


# SoMaJo's German ordinal (somajo/tokenizer.py ``self.ordinal``), for a number token alone
_ORDINAL_NUMBER = re.compile(r"\d{1,3}|\d{5,}|[3-9]\d{3}")
_NOT_BEFORE_ORDINAL = re.compile(r"[\w.]")


def _join_ordinals(paragraph: str, tokens: list[FastToken]) -> list[FastToken]:
    """"28" "." -> "28." before a space or the end, as SoMaJo's German tokenizer makes every such
    number with its full stop one ordinal token (its sentence splitter then never ends a sentence
    there, and neither does it here, on the same tokens)."""
    out: list[FastToken] = []
    for tok in tokens:
        previous = out[-1] if out else None
        if (tok.text == "." and previous is not None and previous.end == tok.start
                and _ORDINAL_NUMBER.fullmatch(previous.text)
                and not _NOT_BEFORE_ORDINAL.fullmatch(paragraph[previous.start - 1:previous.start])
                and (tok.end == len(paragraph) or paragraph[tok.end].isspace())):
            out[-1] = FastToken(previous.text + ".", previous.start, tok.end)
        else:
            out.append(tok)
    return out


def _split_cannot(tokens: list[FastToken]) -> list[FastToken]:
    out: list[FastToken] = []
    for tok in tokens:
        if tok.text.casefold() == _CANNOT:
            out.append(FastToken(tok.text[:3], tok.start, tok.start + 3))
            out.append(FastToken(tok.text[3:], tok.start + 3, tok.end))
        else:
            out.append(tok)
    return out


def _plain_token(paragraph: str, tok: FastToken, language: str, abbreviations: frozenset[str]) -> bool:
    """False where SoMaJo might treat this token otherwise than a plain split at spaces and marks."""
    text = tok.text
    after = paragraph[tok.end:tok.end + 1]
    before = paragraph[tok.start - 1:tok.start] if tok.start else ""
    if text not in _MARKS:
        if language != "de" and ("-" in text or text.casefold() in _ENGLISH_SPLIT_WORDS):
            return False
        if text.endswith("."):
            return True  # a listed abbreviation joined above
        if after == "." and language != "de" and text.casefold() == "no":
            return False  # SoMaJo's ``en_no``: "No." is one token before a number ("No. 2")
        if after == ".":
            # abbreviations, initials and ordinals keep their full stop in SoMaJo, also as the
            # last part of a hyphenated word ("ALG-II." is "ALG-" "II.")
            return not any(len(part) == 1 or part[-1].isdigit() or _ROMAN.fullmatch(part)
                           or part.casefold() in abbreviations or part.casefold().endswith("str")
                           for part in {text, text.rsplit("-", 1)[-1]})
        return True
    if text in _SENTENCE_END:
        if after in _SENTENCE_END or before in _SENTENCE_END:
            return False
        if after and not after.isspace() and after not in _CLOSING:
            return False
        return text != "." or _followed_by_sentence_start(paragraph, tok.end)
    if text in ",;:":
        return not after or after.isspace() or after in "“”\""  # not ":)"
    if text == "(":
        return not before or before.isspace() or before in "„\""
    if text in "–-":  # a dash between spaces ("Sydney - In ..."), not a hyphen
        return (not before or before.isspace()) and (not after or after.isspace())
    return True


def _followed_by_sentence_start(paragraph: str, end: int) -> bool:
    """A full stop is plain when what follows it is the end, a capital, or an opening mark; SoMaJo
    keeps the full stop of an unknown abbreviation before a lowercase word, so that is left to it."""
    rest = paragraph[end:].lstrip()
    rest = rest.lstrip("“”\")„(")
    return not rest or not rest[0].islower()


# A sentence end that every tokenizer agrees on: a word of two or more letters, a full stop, question
# or exclamation mark, a space, and a capital that starts a word.
# SoMaJo reads single quotes and emoticons in the light of the whole paragraph: never cut one.
_CONTEXTUAL = re.compile(r"['‘’‚`]|[:;=]-?[()\[\]DPp]")
_CONTEXTUAL_BUT_APOSTROPHES = re.compile(r"[‘‚`]|[:;=]-?[()\[\]DPp]")
_CUT = re.compile(r"(?<=[^\W\d_]{2}[.!?])\s+(?=[^\W\d_][^\W\d_])")


def _plain_apostrophes(paragraph: str, language: str) -> bool:
    """True when the paragraph's only contextual marks are English apostrophes SoMaJo splits off
    their word (``english_clitics``): those read nothing beyond their word."""
    return (language == "en" and not _CONTEXTUAL_BUT_APOSTROPHES.search(paragraph)
            and english_clitics(paragraph) is not None)


def segments(paragraph: str, language: str) -> list[tuple[int, str]]:
    """The paragraph cut at unambiguous sentence ends, so that one odd sentence (a URL, an
    abbreviation) sends only itself to SoMaJo. SoMaJo cuts at these places too (a sentence-ending
    mark before a capital), and its tokens do not reach across them."""
    if _CONTEXTUAL.search(paragraph) and not _plain_apostrophes(paragraph, language):
        return [(0, paragraph)]
    abbreviations = _abbreviations(language)
    out: list[tuple[int, str]] = []
    start = 0
    for cut in _CUT.finditer(paragraph):
        word = paragraph[:cut.start() - 1].rsplit(None, 1)[-1] if cut.start() > start + 1 else ""
        if (not paragraph[cut.end()].isupper() or not word.isalpha()
                or word.casefold() in abbreviations or _ROMAN.fullmatch(word)):
            continue
        out.append((start, paragraph[start:cut.start()]))
        start = cut.end()
    if start < len(paragraph):
        out.append((start, paragraph[start:]))
    return out


def sentences(paragraph: str, language: str) -> list[list[tuple[str, int, int]]] | None:
    """SoMaJo's sentences of a plain paragraph as (token, start, end) with offsets into it, or None.

    SoMaJo's splitter ends a sentence only after a token that could end one (a run of full stops,
    question or exclamation marks, or one of its sentence-ending abbreviations); a stretch with no
    such token before its last (most are: ``segments`` has cut at the plain sentence ends) is one
    sentence without asking it."""
    tokens = tokenize(paragraph, language)
    if tokens is None:
        return None
    if not tokens:
        return []
    split = splitter(language)
    ending, eos = split.sentence_ending_punct, split.eos_abbreviations
    if not any(ending.search(t.text) or t.text.lower() in eos for t in tokens[:-1]):
        return [[(t.text, t.start, t.end) for t in tokens]]
    somajo_tokens = [
        Token(t.text, space_after=paragraph[t.end:t.end + 1].isspace() or t.end == len(paragraph),
              character_offset=(t.start, t.end))
        for t in tokens
    ]
    return [[(t.text, *t.character_offset) for t in sentence]
            for sentence in split._split_sentences(somajo_tokens)]


def wordlike(text: str) -> bool:
    return bool(_WORDLIKE.search(text))
