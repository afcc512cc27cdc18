"""Extractive summary by weighted coverage of the article's key facts.

Each candidate bullet is a sentence, a shortened sentence (trim.variants) or a sentence joined with
the one it leans on. A candidate covers "concepts": content lemmas, figures, codes and name-like
tokens, weighted by how often the article returns to them. Bullets are chosen greedily by new
coverage per character, so a second bullet repeating the first gains nothing; this keeps briefings
short and gives each key figure and each speaker its own chance. No model files, no matrix: linear
in the number of candidates.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from bot.model import Sentence
from bot.text import trim
from bot.text.entities import CODE as CODE_SHAPE
from bot.text.entities import codes, find_figures, is_entity_token, known_german, name_tokens
from bot.text.lexicon import BOILERPLATE_PREFIXES, SPEECH_CUES, STOPWORDS, words

MAX_CHARS = 300
# About how many words a summary has in all ([briefing] summary_words); news references run 40-60.
SUMMARY_WORDS = 70
# Chosen on the tuning half of realsumm-dev (scripts/eval_summary.py), never on the held-out half:
# how much the n-th usable sentence is preferred (news puts what happened first), how strongly a
# longer candidate must earn its words, and how many opening sentences always get variants.
LEAD_PRIOR = 6.0
LENGTH_EXPONENT = 0.4
LEAD_KEPT = 6
STOP_RATIO = 0.0
LEAD_DECAY = 0.7
PARAGRAPH_RANK = 1.0
WORD_BASE = 0.1
# Concept weights (tuned on the seed and the English fixtures, see tests/data/*.digest.json): an
# amount, a product code (H20) and a speaker's position count most; a name more than a word.
FIGURE_WEIGHT = 3.0
CODE_WEIGHT = 5.0
POSITION_WEIGHT = 3.0
NAME_WEIGHT = 0.8
_TOKEN = re.compile(r"[\w][\w\-]*", re.UNICODE)
_WORDLIKE = re.compile(r"\w")
_DIGIT = re.compile(r"\d")
# a date or a period ("30. Juni", "14 Tagen", "January 1", "three years" is left out): deadlines and
# dates are facts a reader checks, like amounts
_MONTHS = (r"(?:Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember|"
           r"January|February|March|June|July|October|December)")
_DATE_OR_SPAN = re.compile(
    rf"\b\d{{1,2}}\. {_MONTHS}\b|\b{_MONTHS} \d{{1,2}}\b|\b\d+ (?:Tagen|Tage|Wochen|Monaten|Monate|"
    r"Jahren|days|weeks|months)\b"
)
_QUOTE = re.compile(r"[„“”\"»«]")
# "laut X" / "according to X" names a source for a figure, not a position someone holds
_SOURCE_CUES = frozenset({"laut", "zufolge", "according"})
_QUOTED = re.compile(r"„[^“”]*[“”]|\"[^\"]*\"|»[^«]*«")
# German indirect speech (Konjunktiv I) in forms that are never indicative in the third person: a
# main clause "Bei den Arbeiten seien Schäden entdeckt worden" reports what the sentence before
# attributed to someone, and alone it would leave the reader asking who says so.
_REPORTED_FORMS = words(
    "sei seien habe könne müsse solle wolle dürfe möge werde gebe liege stehe gehe komme bleibe "
    "fehle wachse gleiche treffe gelte drohe sende laufe brauche"
)


@dataclass
class _Candidate:
    text: str
    first: int  # index of the first source sentence, for article order
    used: frozenset[int]
    concepts: frozenset[str]
    factor: float  # position prior, times a penalty for leaning on the sentence before
    words: int


class ExtractiveSummarizer:
    """Implements bot.ports.Summarizer. Stateless and cheap to build; lemma tables are loaded (once,
    per language) by the sentence splitter, not here."""

    def __init__(
        self,
        *,
        max_chars: int = MAX_CHARS,
        sentences_per_bullet: int = 3,
        summary_words: int = SUMMARY_WORDS,
    ) -> None:
        self.max_chars = max_chars
        self.sentences_per_bullet = sentences_per_bullet
        self.summary_words = summary_words

    def summarize(
        self, text: str, sentences: list[Sentence], language: str, *, max_bullets: int = 5
    ) -> list[str]:
        if max_bullets <= 0 or not sentences:
            return []
        sents = [s for s in sentences if s.text.strip()]
        lemma_of = _lemma_map(sents)
        stop = STOPWORDS.get(language, STOPWORDS["en"])
        vocab = _Vocabulary(lemma_of, stop, language, name_tokens(text))
        units = [vocab.learn(s.text) for s in sents]
        df: Counter[str] = Counter(c for u in units for c in u)
        weights = {c: _weight(c, n) for c, n in df.items()}
        usable = [i for i, s in enumerate(sents) if _usable(s.text)]
        # only the more promising sentences get trimmed and joined variants: the rest would not be
        # chosen anyway, and variants are where the time goes; the opening always competes
        rough = sorted(
            usable,
            key=lambda i: -sum(weights.get(k, 0.0) for k in units[i]) / (len(sents[i].text) + 50),
        )
        keep = set(rough[: max(12, 4 * max_bullets)]) | set(usable[:LEAD_KEPT])
        rank = _ranks(usable, sents)
        candidates = _candidates(sents, language, vocab, self.max_chars, keep, rank=rank)
        target = min(max_bullets, 1 + math.ceil(len(usable) / self.sentences_per_bullet))
        if len(usable) >= 2:
            target = max(target, min(2, max_bullets))
        chosen = _select(candidates, weights, target, self.summary_words)
        return [c.text for c in _lead_first(chosen, sents, weights)]


def _lead_first(
    chosen: list[_Candidate], sents: Sequence[Sentence], weights: dict[str, float]
) -> list[_Candidate]:
    """What happened leads: the article's opening sentence when it was chosen (a news lede),
    else the bullet covering most of what the article is about, by weight per word, whatever its
    place (an essay opening on background has its news further down). Then the bullets that carry
    a figure or a speaker's position, then background, each in article order."""
    if not chosen:
        return []
    opening = next((i for i, s in enumerate(sents) if _usable(s.text)), 0)
    lead = next((c for c in chosen if opening in c.used), None) or max(
        chosen, key=lambda c: sum(weights.get(k, 0.0) for k in c.concepts) / _cost(c.words, 10**6))
    rest = sorted((c for c in chosen if c is not lead), key=lambda c: (
        not any(k[0] in "#!" for k in c.concepts), c.first))
    return [lead, *rest]


def _lemma_map(sentences: Sequence[Sentence]) -> dict[str, str]:
    out: dict[str, str] = {}
    for s in sentences:
        words = [t for t in s.tokens if _WORDLIKE.search(t)]
        if s.lemmas and len(s.lemmas) == len(words):
            out.update(zip(words, s.lemmas, strict=True))
    return out


class _Vocabulary:
    """Concepts of each source sentence, computed once; a trimmed or joined variant looks its
    tokens up here instead of running the pattern matchers again."""

    def __init__(
        self, lemma_of: dict[str, str], stop: frozenset[str], language: str, names: AbstractSet[str]
    ) -> None:
        self.names = names
        self.lemma_of = lemma_of
        self.stop = stop
        self.language = language
        self.tokens: dict[str, tuple[str, ...]] = {}
        self.surfaces: list[tuple[str, str]] = []  # (figure or code as written, concept)
        self.opening: set[str] = set()  # tokens only seen opening a sentence so far
        self.cues = SPEECH_CUES.get(language, SPEECH_CUES["en"]) - _SOURCE_CUES

    def learn(self, text: str) -> frozenset[str]:
        found: set[str] = set()
        if _DIGIT.search(text):
            self._figures(text, found)
        names = self.names
        tokens = _TOKEN.findall(text)
        for i, tok in enumerate(tokens):
            concepts = self.tokens.get(tok)
            if concepts is None or (i > 0 and tok in self.opening):
                concepts = self._token(tok, i, names)
                self.tokens[tok] = concepts
                if i == 0:
                    self.opening.add(tok)
                else:
                    self.opening.discard(tok)
            found.update(concepts)
        return self._with_speaker(text, tokens, found)

    def _figures(self, text: str, found: set[str]) -> None:
        values = [f.value for f in find_figures(text, self.language)]
        values += [m.group(0) for m in _DATE_OR_SPAN.finditer(text)]
        for value in values:
            concept = "#" + re.sub(r"\s+", " ", value.casefold())
            self.surfaces.append((value, concept))
            found.add(concept)
        for code in codes(text):
            self.surfaces.append((code, "%" + code.casefold()))
            found.add("%" + code.casefold())

    def concepts(self, text: str) -> frozenset[str]:
        found: set[str] = {c for surface, c in self.surfaces if surface in text}
        tokens = _TOKEN.findall(text)
        for tok in tokens:
            found.update(self.tokens.get(tok, ()))
        return self._with_speaker(text, tokens, found)

    def _token(self, tok: str, index: int, names: AbstractSet[str]) -> tuple[str, ...]:
        low = tok.casefold()
        if low in self.stop or (len(low) < 3 and not is_entity_token(tok)) or low.isdigit():
            return ()
        if CODE_SHAPE.fullmatch(tok):
            return ("%" + low,)
        out: list[str] = []
        if is_entity_token(tok) or tok in names or (
            index > 0 and tok[0].isupper() and "-" not in tok and _unknown_word(tok, self.language)
        ):
            out.append("@" + low)
        else:
            out.append(self.lemma_of.get(tok, low))
        if "-" in tok:
            # German compounds: "Hopper-Architektur" and "Hopper H100" share "hopper"
            out.extend(p.casefold() for p in tok.split("-") if len(p) > 2)
        return tuple(out)

    def _with_speaker(self, text: str, tokens: list[str], found: set[str]) -> frozenset[str]:
        if not _QUOTE.search(text) and self.cues.isdisjoint(map(str.casefold, tokens)):
            return frozenset(found)
        speaker = _speaker(text, found, self.language)
        if speaker:
            found.add("!" + speaker)
        return frozenset(found)


def _speaker(text: str, concepts: set[str], language: str) -> str | None:
    """Who holds the position a sentence reports: a name outside the quotes of a sentence with a
    speech cue or quote. One concept per speaker, so each voice gets its chance."""
    outside = _QUOTED.sub(" ", text)
    tokens: list[str] = [str(w).casefold() for w in _TOKEN.findall(outside)]
    verbs = SPEECH_CUES.get(language, SPEECH_CUES["en"]) - _SOURCE_CUES
    cues = [i for i, w in enumerate(tokens) if w in verbs]
    if not (cues or _QUOTE.search(outside)):
        return None
    people = [i for i, w in enumerate(tokens) if "@" + w in concepts and not w.isupper()]
    if not people:
        return None
    # the name next to the verb: "Tobias Reinhardt warnte" and "sagte Reinhardt" are one voice
    cue = cues[0] if cues else len(tokens)
    return tokens[min(people, key=lambda i: (abs(i - cue), i > cue))]


def _unknown_word(token: str, language: str) -> bool:
    """A capitalised word the lemma table does not know is most likely a name (Musk, Nvidia).
    English capitalises only names, so there any non-initial capital counts."""
    if language != "de":
        return True
    return not known_german(token)


def _weight(concept: str, df: int) -> float:
    """Figures and names are the facts a reader checks; words the article returns to are its
    subject. A word used once still counts a little, so detail is not worthless."""
    spread = math.log(df)
    if concept.startswith("!"):
        return POSITION_WEIGHT
    if concept.startswith("#"):
        return FIGURE_WEIGHT + spread
    if concept.startswith("%"):
        return CODE_WEIGHT + spread
    if concept.startswith("@"):
        return NAME_WEIGHT + spread
    return WORD_BASE + 0.5 * spread


def _usable(text: str) -> bool:
    stripped = text.strip()
    if stripped.endswith(("?", ":")) or stripped.startswith(BOILERPLATE_PREFIXES):
        return False
    return len(stripped.split()) >= 5 and not _SOURCE_OF_PREVIOUS.match(stripped)


# "Das teilte der Klinikverbund am Montag mit." names who said the sentence before and nothing else
_SOURCE_OF_PREVIOUS = re.compile(
    r"^(?:Das|Dies|This|That) (?:teilte|teilten|sagte|sagten|erklärte|berichtete|meldete|"
    r"bestätigte|said|told|confirmed|reported)\b"
)


def _candidates(
    sents: list[Sentence],
    language: str,
    vocab: _Vocabulary,
    max_chars: int,
    keep: AbstractSet[int],
    *,
    rank: dict[int, float],
) -> list[_Candidate]:
    out: list[_Candidate] = []
    variants: dict[int, list[str]] = {}
    leaning: dict[int, bool] = {}

    def of(i: int) -> tuple[list[str], bool]:
        if i not in variants:
            variants[i] = trim.variants(sents[i].text, language)
            leaning[i] = i > 0 and (trim.leans_on_previous(sents[i].text, language)
                                    or continues_reported_speech(sents[i].text, language))
        return variants[i], leaning[i]

    def add(text: str, used: tuple[int, ...], dependent: bool) -> None:
        if len(text) > max_chars or not _usable(text):
            return
        factor = 0.45 if dependent else 1.0
        if used[0] == 0 or sents[used[0]].paragraph == 0:
            factor *= 1.15  # the lead says what happened
        factor *= _prior(rank.get(used[0], float(len(rank))))
        out.append(_Candidate(text, used[0], frozenset(used), vocab.concepts(text), factor,
                              len(text.split())))

    for i, s in enumerate(sents):
        if i not in keep or not _usable(s.text):
            continue
        own, dependent = of(i)
        if not (dependent and trim.has_unresolved_deixis(s.text, language)):
            # "dort" with no place named: only joined with the sentence that names it
            for v in own:
                add(v, (i,), dependent)
        if dependent and sents[i - 1].paragraph == s.paragraph and _usable(sents[i - 1].text):
            prev_variants, prev_dependent = of(i - 1)
            for a in prev_variants[-2:]:
                for b in own[-2:]:
                    add(trim.join(a, b, language), (i - 1, i), prev_dependent)
    return out


def continues_reported_speech(text: str, language: str) -> bool:
    """A German sentence in indirect speech without a verb of saying of its own ("…, sagte er",
    "laut …") carries on the attribution of the sentence before it. After a colon the frame is
    the clause before it ("Als Grund nannte Seidel den Mangel: …")."""
    if language != "de":
        return False
    frame = _QUOTED.sub(" ", text).split(":", 1)[0]
    tokens = {t.casefold() for t in _TOKEN.findall(frame)}
    return not tokens.isdisjoint(_REPORTED_FORMS) and tokens.isdisjoint(SPEECH_CUES["de"])


def _ranks(usable: list[int], sents: Sequence[Sentence]) -> dict[int, float]:
    """How far into the story a sentence is: its place in its paragraph (a paragraph opens with
    its point: the maker's denial, the authority's deadline), plus a little per paragraph before
    it. An article in one block (a wire text without breaks) is ranked by sentence alone."""
    out: dict[int, float] = {}
    paragraphs: list[int] = []
    in_paragraph = 0
    for i in usable:
        paragraph = sents[i].paragraph
        if not paragraphs or paragraphs[-1] != paragraph:
            paragraphs.append(paragraph)
            in_paragraph = 0
        out[i] = in_paragraph + PARAGRAPH_RANK * (len(paragraphs) - 1)
        in_paragraph += 1
    return out


def _prior(rank: float) -> float:
    """News says what happened first: the multiplier of a sentence ``rank`` places in."""
    return 1.0 + LEAD_PRIOR * math.pow(LEAD_DECAY, rank)


def _gain(concepts: Iterable[tuple[str, float, bool]], covered: AbstractSet[str]) -> float:
    """Figures and words count fully; of the names only the three heaviest, so that a list of
    people ("... mit Son, Ellison und Altman vorgestellt") does not outweigh a fact."""
    rest = 0.0
    names: list[float] = []
    for k, w, is_name in concepts:
        if k in covered:
            continue
        if is_name:
            names.append(w)
        else:
            rest += w
    if len(names) > 3:
        names.sort(reverse=True)
        return rest + names[0] + names[1] + names[2]
    return rest + sum(names)


def _select(
    candidates: list[_Candidate], weights: dict[str, float], target: int, budget: int
) -> list[_Candidate]:
    """Greedy max-coverage per word within a word budget. A candidate that extends a chosen one (the
    same sentence joined with its neighbour) may replace it, so a short early pick does not block
    the fuller bullet."""
    chosen: list[_Candidate] = []
    first_score = 0.0
    weighted = {
        id(c): tuple((k, weights.get(k, 0.0), k[0] == "@") for k in c.concepts) for c in candidates
    }
    for _ in range(3 * target):
        best = _best_step(candidates, chosen, weighted, target, budget)
        if best is None:
            break
        score, pick, replace = best
        if not chosen:
            first_score = score
        elif score < STOP_RATIO * first_score:
            break  # what is left adds little: keep the briefing short
        if replace is None:
            chosen.append(pick)
        else:
            chosen[replace] = pick
    return chosen


_Weighted = dict[int, tuple[tuple[str, float, bool], ...]]


def _best_step(
    candidates: list[_Candidate],
    chosen: list[_Candidate],
    weighted: _Weighted,
    target: int,
    budget: int,
) -> tuple[float, _Candidate, int | None] | None:
    covered_all: set[str] = set().union(*(o.concepts for o in chosen))
    used_all: set[int] = set().union(*(o.used for o in chosen))
    spent = sum(o.words for o in chosen)
    best: tuple[float, _Candidate, int | None] | None = None
    for c in candidates:
        if not c.used & used_all:
            if len(chosen) >= target or (chosen and spent + c.words > budget):
                continue
            score = c.factor * _gain(weighted[id(c)], covered_all) / _cost(c.words, budget)
            index = None
        else:
            overlap = [i for i, o in enumerate(chosen) if o.used & c.used]
            if len(overlap) > 1 or not chosen[overlap[0]].used < c.used:
                continue
            index = overlap[0]
            old = chosen[index]
            if spent - old.words + c.words > budget:
                continue
            covered: set[str] = set().union(
                *(o.concepts for j, o in enumerate(chosen) if j != index))
            gain = _gain(weighted[id(c)], covered) - _gain(weighted[id(old)], covered)
            score = c.factor * gain / _cost(max(c.words - old.words, 7), budget)
        if score > 0 and (best is None or score > best[0]):
            best = (score, c, index)
    return best


def _cost(words: int, budget: int) -> float:
    """Words spent, sublinear so a whole sentence is not lost to its fragments; a first bullet
    over the whole budget pays double."""
    cost = math.pow(words / 15.0, LENGTH_EXPONENT)
    return cost * 2.0 if words > budget else cost
