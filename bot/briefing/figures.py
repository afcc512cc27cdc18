"""Key figures of an article: the value, a short label of what it measures, and who says so (the
claimant when the figure sits in an attributed statement; None when the article states it).

The label is built from the article's own words, never paraphrased: the noun the figure counts
("50.000 Hopper H100 KI-Beschleuniger" -> "Hopper H100 KI-Beschleuniger"), else the noun it is the
value of ("Buchwert von 157 Milliarden"), else what a cost verb prices ("gekostet" -> "Kosten" when
the article uses that noun), else the clause's subject; then up to two qualifiers in parentheses:
product codes, names and places of the clause, the sentence's subject, a year. A label with the
figure's whole clause would repeat the overview; an editor's table names the quantity instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.model import Figure, Sentence
from bot.text.entities import CODE, find_figures, is_entity_token, known_german, name_tokens
from bot.text.lexicon import SPEECH_CUES, STOPWORDS, words
from bot.text.trim import _DATELINE

_SEP = re.compile(r"[,;:()–—?!]|\s-\s")
_NAME = re.compile(r"(?:[A-ZÄÖÜ][\w\-]*[a-zäöüß0-9][\w\-]*\s){0,2}[A-ZÄÖÜ][\w\-]*[a-zäöüß]\w*")
_SOURCE = re.compile(
    r"\b(?:laut|zufolge|according to|Behauptung von|Angaben von|Angaben des|Angaben der|"
    r"claims? by|estimates? by)\s+"
    r"(?:dem|der|den|des|the)?\s*([^,.;:]{3,60}?)(?=[,.;:]|\s(?:wurden|hat|ist|"
    r"habe|sind|war|were|was|is|has|that|dass)\b)",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"\w[\w\-'’]*")
_QUOTED = re.compile(r"„[^“”]*[“”]|\"[^\"]*\"|»[^«]*«|“[^”]*”")
_YEAR = re.compile(r"^(?:19|20)\d\d$")
_DEMONYM = re.compile(r"(?:ese|ian|ish|ean)$")
_PREPOSITIONS: dict[str, frozenset[str]] = {
    "de": words("in im an am auf aus bei beim mit nach von vom vor über unter um für gegen ohne "
                "durch bis seit zu zum zur als wie laut zufolge"),
    "en": words("of off in on at to from by for with into over than as while during after "
                "before like according"),
}
# adverbs and hedges between a noun and its value ("Buchwert von sagenhaften 157 Milliarden")
_HEDGES = words("rund etwa nur mindestens knapp fast gut derzeit insgesamt bis zu über mehr als "
                "about only nearly almost some around roughly least at more than over up just "
                "slightly approximately")
# all-capital common nouns that look like names: "KI", "AI"
_COMMON_CAPS = words("AI KI IT")
_COST_VERBS: dict[str, tuple[frozenset[str], str]] = {
    "de": (words("gekostet kostet kostete kosteten kosten"), "Kosten"),
    "en": (words("cost costs costing"), "cost"),
}
_OPENERS = words("dass ob weil obwohl während wenn und aber sondern denn that while because "
                 "although whether and but")
_POSSESSIVES = words("dessen deren sein seine seinem seinen seiner ihr ihre ihrem ihren ihrer "
                     "whose its their his her")
_COMPARE = words("zum zur als wie than like")
_ARTICLES = words("der die das den dem des ein eine einen einem einer eines the a an")
_PRONOUNS = words("er sie es ihm ihn it he she they them this these which who whose")
MAX_FIGURES = 8
MAX_QUALIFIERS = 2
CONTEXT = 70


@dataclass(frozen=True)
class _Tok:
    text: str
    start: int
    end: int

    @property
    def low(self) -> str:
        return self.text.casefold()


def extract_figures(text: str, sentences: list[Sentence], language: str) -> list[Figure]:
    out: list[Figure] = []
    seen: set[str] = set()
    article = _Article(text, sentences, language)
    for index, s in enumerate(sentences):
        for m in find_figures(s.text, language):
            key = re.sub(r"\s+", " ", m.value.casefold())
            if key in seen:
                continue
            seen.add(key)
            source = _source(s.text, m.start, m.end, language, article)
            previous = sentences[index - 1].text if index > 0 else ""
            measures = _Label(article, s.text, m.start, m.end, source=source,
                              previous=previous).build()
            out.append(Figure(value=m.value, measures=measures, source=source))
            if len(out) >= MAX_FIGURES:
                return out
    return out


class _Article:
    """What labels need to know about the whole text: its words (a label uses only those) and which
    capitalised words are names rather than sentence-initial capitals or German nouns."""

    def __init__(self, text: str, sentences: list[Sentence], language: str) -> None:
        self.language = language if language in _PREPOSITIONS else "en"
        self.words = {w.casefold() for w in _TOKEN.findall(text)}
        self.names = name_tokens(text)
        self.stop = STOPWORDS.get(self.language, STOPWORDS["en"])
        self.preps = _PREPOSITIONS[self.language]
        inner: set[str] = set()
        for s in sentences:
            for t in _TOKEN.findall(s.text)[1:]:
                if t[0].isupper():
                    inner.add(t)
        self.inner_capitals = inner

    def is_name(self, tok: str, initial: bool) -> bool:
        if tok.isdigit() or tok.casefold() in self.stop or tok.casefold() in self.preps or \
                tok in _COMMON_CAPS:
            return False
        if CODE.fullmatch(tok) or is_entity_token(tok):
            return True
        if not tok[0].isupper() or (initial and tok not in self.inner_capitals):
            return False
        if self.language == "de":
            # German nouns are capitalised too: a name is a word the lemma table does not know
            return not known_german(tok.rsplit("-", 1)[-1])
        if tok in self.names:
            return True
        return not _DEMONYM.search(tok) and not tok.endswith(("'s", "’s"))


class _Label:
    def __init__(self, article: _Article, sentence: str, start: int, end: int, *,
                 source: str | None, previous: str) -> None:
        self.a = article
        self.sentence = sentence
        self.start, self.end = start, end
        self.previous = previous
        lead = _DATELINE.match(sentence)
        self.begin = lead.end() if lead else 0
        left = max((m.end() for m in _SEP.finditer(sentence, 0, start) if m.end() <= start),
                   default=self.begin)
        self.left = max(left, self.begin)
        self.right = min((m.start() for m in _SEP.finditer(sentence, end)), default=len(sentence))
        # the dateline and the figure itself are no part of a label
        self.tokens = [_Tok(m.group(0), m.start(), m.end())
                       for m in _TOKEN.finditer(sentence, self.begin)
                       if m.end() <= start or m.start() >= end]
        self.before = [t for t in self.tokens if self.left <= t.start and t.end <= start]
        self.after = [t for t in self.tokens if end <= t.start and t.end <= self.right]
        self.excluded = {w.casefold() for w in _TOKEN.findall(source or "")}

    def build(self) -> str:
        head = self._head_after() or self._cost() or self._head_before() or self._subject()
        if head is None:
            return self._context()
        used = {w.casefold() for w in _TOKEN.findall(head)} | self.excluded
        qualifiers = self._qualifiers(head, used)
        return f"{head} ({', '.join(qualifiers)})" if qualifiers else head

    # --- the head: what is counted or priced ---------------------------------------------------

    def _span(self, first: _Tok, last: _Tok) -> str:
        return self.sentence[first.start:last.end]

    def _head_after(self) -> str | None:
        toks, de = self.after, self.a.language == "de"
        i = 1 if toks and toks[0].low in ("an", "of") else 0
        if de:
            while (i + 1 < len(toks) and toks[i].text.islower() and toks[i + 1].text[0].isupper()
                   and toks[i].low not in self.a.preps):
                i += 1  # attributive adjectives: "sogenannten Hopper Chips"
        elif i == 0 and toks and toks[0].low in ("off", "from"):
            i = 1  # "wiping $589 billion off the chipmaker's market value"
            while i < len(toks) and toks[i].low in _ARTICLES:
                i += 1
        run: list[_Tok] = []
        for t in toks[i:i + 4]:
            if de and not (t.text[0].isupper() or CODE.fullmatch(t.text)):
                break
            if t.low in self.a.stop or t.low in self.a.preps or t.low in _HEDGES:
                break
            run.append(t)
        if not run or _YEAR.match(run[0].text):
            return None
        if not de and run[-1].low.endswith(("ed", "ing")):
            return None  # "$589 billion first reported": a verb, not what is counted
        return self._span(run[0], self._extend(run[-1]))

    def _extend(self, last: _Tok) -> _Tok:
        """'Wagniskapital' + 'in KI', 'KI-Beschleuniger' + 'von Nvidia': a name the noun is of."""
        k = self.tokens.index(last)
        if k + 2 < len(self.tokens):
            prep, name = self.tokens[k + 1], self.tokens[k + 2]
            if (prep.low in ("in", "von", "für", "of", "for") and name.end <= self.right
                    and (self.a.is_name(name.text, False) or name.text in _COMMON_CAPS)):
                return name
        return last

    def _cost(self) -> str | None:
        verbs, noun = _COST_VERBS[self.a.language]
        clause = [t for t in self.tokens if self.left <= t.start and t.end <= self.right]
        if not any(t.text in verbs for t in clause):
            return None
        head = noun if noun.casefold() in self.a.words else next(
            t.text for t in clause if t.text in verbs)
        after = self.after
        if len(after) >= 2 and after[0].low == "to" and after[1].low not in self.a.stop:
            head += f" to {after[1].text}"  # "costing $5.6 million to train"
        return head

    def _head_before(self) -> str | None:
        """'Buchwert von sagenhaften 157 Milliarden', 'market value of $2 billion'."""
        toks = self.before
        k = len(toks) - 1
        de = self.a.language == "de"
        while k >= 0 and (toks[k].low in _HEDGES or (de and toks[k].text.islower()
                                                      and toks[k].low not in self.a.preps)):
            k -= 1
        if k < 1 or toks[k].low not in ("von", "of"):
            return None
        noun = toks[k - 1]
        if (de and not noun.text[0].isupper()) or noun.low in self.a.stop:
            return None
        first = noun
        if not de and k >= 2 and toks[k - 2].low not in self.a.stop:
            first = toks[k - 2]  # "market value"
        return self._span(first, noun)

    def _subject(self) -> str | None:
        toks = [t for t in self.before if t.low not in self.excluded]
        while toks and (toks[-1].low in _HEDGES or toks[-1].low in self.a.preps
                        or toks[-1].low in _ARTICLES):
            toks.pop()
        while toks and (toks[0].low in _OPENERS or toks[0].low in _ARTICLES
                        or toks[0].low in self.a.preps):
            toks.pop(0)
        if self.a.language == "de":
            return self._subject_de(toks)
        if not toks:
            return None
        if len(toks) <= 4 and not any(t.low in _PRONOUNS for t in toks):
            return self._span(toks[0], toks[-1])  # "Nvidia shares fell"
        j = len(toks) - 1
        i = j
        while i > 0 and j - i < 3 and toks[i - 1].low not in self.a.stop and \
                toks[i - 1].low not in self.a.preps and \
                self.sentence[toks[i - 1].end:toks[i].start] == " ":
            i -= 1  # "Nvidia's market value fell", "R1 reasoning system"
        after = self.after
        if i == j and len(after) >= 2 and after[0].low in self.a.preps and \
                self.a.is_name(after[1].text, False):
            return f"{toks[j].text} {after[0].text} {after[1].text}"  # "invested in OpenAI"
        return self._span(toks[i], toks[j])

    def _subject_de(self, toks: list[_Tok]) -> str | None:
        """'die Kosten für die besten Modelle', 'Die Aktie des Chipkonzerns Nvidia'; else the verb
        after the figure ('67,2 Milliarden Dollar investiert')."""
        nouns = [i for i, t in enumerate(toks) if t.text[0].isupper()]
        if not nouns:
            verbs = [t for t in self.after if t.text.islower() and t.low not in self.a.stop
                     and t.low not in self.a.preps]
            return verbs[0].text if verbs else None
        i = j = nouns[0]
        if i + 1 < len(toks) and toks[i + 1].low in ("für", "der", "des"):
            k = i + 2
            while k < len(toks) and (toks[k].low in _ARTICLES or (
                    toks[k].text.islower() and toks[k].low not in self.a.preps
                    and toks[k].low not in self.a.stop)):
                k += 1
            while k < len(toks) and toks[k].text[0].isupper() and k - i < 6:
                j = k
                k += 1
        return self._span(toks[i], toks[j])

    # --- qualifiers: whose, where, when --------------------------------------------------------

    def _qualifiers(self, head: str, used: set[str]) -> list[str]:
        out: list[str] = []

        def add(phrase: str) -> None:
            low = {w.casefold() for w in _TOKEN.findall(phrase)} - self.a.preps - _ARTICLES
            if len(out) < MAX_QUALIFIERS and not low & used:
                out.append(phrase)
                used.update(low)

        for k, t in enumerate(self.tokens):  # product codes anywhere in the sentence
            if CODE.fullmatch(t.text) and not self._compared(k):
                add(self._with_noun(k))
        locative = re.search(r"\bin (?:den |der |dem |the )[A-ZÄÖÜ][\w\-]+ [A-ZÄÖÜ][\w\-]+",
                             self.sentence[self.left:self.right])
        clause = [k for k, t in enumerate(self.tokens)
                  if self.left <= t.start and t.end <= self.right]
        for k in clause:
            t = self.tokens[k]
            if self.a.is_name(t.text, k == 0) and not self._compared(k) and not (
                    locative and t.text in locative.group(0)):
                add(t.text)
        if locative:
            add(locative.group(0))
        for k, t in enumerate(self.tokens[:3]):
            if t.start >= self.start:
                break
            if self.a.is_name(t.text, k == 0):
                add(t.text)  # the sentence's subject: "DeepSeek gelang es ..."
                break
        if not out and self._possessive(head):
            owner = self._owner()
            if owner:
                add(owner)
        years = [k for k in clause if _YEAR.match(self.tokens[k].text)]
        if years:
            k = years[0]
            prep = self.tokens[k - 1].low if k else ""
            year = self.tokens[k].text
            phrase = f"{self.tokens[k - 1].text} {year}" if prep in ("bis", "by", "until") else year
            if year.casefold() not in used:
                out.append(phrase)
        return out

    def _compared(self, k: int) -> bool:
        """'zum Marktführer ChatGPT', 'than OpenAI': the other side of a comparison."""
        return any(t.low in _COMPARE for t in self.tokens[max(0, k - 2):k])

    def _with_noun(self, k: int) -> str:
        """'R-1 Modell', 'R1 model': a code and the noun it names."""
        code = self.tokens[k]
        if k + 1 < len(self.tokens):
            nxt = self.tokens[k + 1]
            gap = self.sentence[code.end:nxt.start]
            de = self.a.language == "de"
            noun = nxt.text[0].isupper() if de else nxt.text.islower()
            if gap == " " and noun and nxt.low not in self.a.stop and nxt.low not in self.a.preps \
                    and not self.a.is_name(nxt.text, False):
                return f"{code.text} {nxt.text}"
        return code.text

    def _possessive(self, head: str) -> bool:
        pos = self.sentence.find(head, self.left)
        before = [t for t in self.tokens if t.end <= pos][-1:] if pos >= 0 else []
        return bool(before) and before[0].low in _POSSESSIVES

    def _owner(self) -> str | None:
        """'dessen Buchwert': the nearest name before it, in this sentence or the one before."""
        for k in range(len(self.tokens) - 1, -1, -1):
            t = self.tokens[k]
            if t.end <= self.left and self.a.is_name(t.text, k == 0):
                return t.text
        names = [t for t in _TOKEN.findall(self.previous)[1:] if self.a.is_name(t, False)]
        return names[-1] if names else None

    def _context(self) -> str:
        """No recognisable head: the figure's clause without the figure, cut to a few words."""
        clause = (self.sentence[self.left:self.start] + " " + self.sentence[self.end:self.right])
        clause = re.sub(r"\s+", " ", clause).strip(" ,;:–—-.")
        if len(clause) <= CONTEXT:
            return clause
        rel = min(self.start - self.left, len(clause))
        lo = max(0, rel - CONTEXT // 2)
        cut = clause[lo:lo + CONTEXT].rsplit(" ", 1)[0]
        return ("…" + cut.split(" ", 1)[-1] if lo else cut) + "…"


def _source(sentence: str, start: int, end: int, language: str, article: _Article) -> str | None:
    """Who says so: 'laut X' before the figure, a speaker whose speech verb comes before it, or any
    speaker when the figure is inside a quote. A speech verb after an unquoted figure reports
    something else ('X, whose company has invested $13 billion, said ...')."""
    m = _SOURCE.search(sentence)
    if m and m.start() < start:
        return m.group(1).strip()
    quoted = any(q.start() <= start and end <= q.end() for q in _QUOTED.finditer(sentence))
    cues = SPEECH_CUES.get(language, SPEECH_CUES["en"])
    words_ = list(re.finditer(r"[\w\-]+", sentence))
    for i, w in enumerate(words_):
        if w.group(0).casefold() not in cues or w.group(0).casefold() in ("laut", "zufolge",
                                                                           "according"):
            continue
        if w.start() > start and not quoted:
            continue
        after = _NAME.match(sentence, words_[i + 1].start()) if i + 1 < len(words_) else None
        if after and after.group(0).split()[0].casefold() not in ("die", "der", "das", "er"):
            return after.group(0)
        before = [n for n in _NAME.finditer(sentence[:w.start()]) if " " in n.group(0)]
        if before:
            return before[0].group(0)  # the subject: "Dario Amodei, Chef des ..., sagte"
        single = [t for t in _TOKEN.finditer(sentence[:w.start()])
                  if article.is_name(t.group(0), t.start() == 0)]
        if single:
            return single[-1].group(0)  # "DeepSeek said it trained ..."
    return None
