"""Stage "cues", part 3: statements without a cue verb of their own.

Hedged statements in the article's own voice ("angeblich", "reportedly", "soll … haben"; claimant
null), and continuations: a Konjunktiv sentence after an attributed one, a quote that opens the next
sentence, a Konjunktiv I sentence with no cue after a named speaker; in English, a quote that only
goes on from the quote before it joins that claim. They run after the frames, so they see which
sentences already have a claim.
"""

from __future__ import annotations

import re

from bot.claims import frames as F
from bot.claims.base import Attributions, Draft, Stage
from bot.claims.doc import SentenceTokens, Tok
from bot.claims.lexicon import DETERMINERS, REPORT_ADVERBS

_LEAD = re.compile(r"^(?:Denn|Und|Aber|Doch|Dabei|Zudem|Auch|Meanwhile|However|But|And|Also|So)"
                   r"\b,?\s+")
_TAIL = re.compile(r",\s+(?:an?|the|eine?)\s+(?:accusation|claim|allegation|charge|assertion|"
                   r"Vorwurf|Behauptung)\b.*$", re.IGNORECASE)
JOIN_RULES = ("quote_after_quote", "quote_continuation")
# Konjunktiv I sentences that go on from the one before extend it: the corpus (and a reader)
# takes a run of reported-speech sentences as one passage of one speaker
_PASSAGE_RULES = ("konjunktiv_continuation", "konjunktiv_after_speaker")


def hedged_statements(found: Attributions) -> None:
    """Own-voice hedged statements, or the hedges of the claims already in their sentence."""
    stage = ReportedSpeech(found)
    for s in stage.sents:
        stage.reported(s)


def continuations(found: Attributions) -> None:
    """Sentences that go on reporting a speaker named before; then the drafts in text order."""
    stage = ReportedSpeech(found)
    for s in stage.sents:
        stage.continuation(s)
    stage.drafts.sort(key=lambda draft: (draft.start, draft.end))
    if stage.lang == "en":
        stage.join_quote_runs()


class ReportedSpeech(Stage):
    def join_quote_runs(self) -> None:
        """"“A,” she said. “B.”" is one attribution (the corpora mark A and B as one discontinuous
        content): a quote that only continues the quote before it joins that claim, whose span
        then runs from A to B over the words that name the speaker."""
        keep: list[Draft] = []
        host: dict[int, Draft] = {}
        for draft in self.drafts:
            target = host.get(id(draft.inherit), draft.inherit) if draft.inherit is not None else None
            if draft.rule in JOIN_RULES and target is not None and \
                    target.kind == "quote" and keep and keep[-1] is target and \
                    0 <= draft.start - target.end <= 80 and "\n" not in self.text[target.end:draft.start]:
                target.end = draft.end
                host[id(draft)] = target
                continue
            keep.append(draft)
        self.drafts = keep


    def reported(self, s: SentenceTokens) -> None:
        """Hedged statements: in the article's own voice when the sentence names no speaker."""
        toks = s.toks
        found: list[tuple[str, Tok]] = []
        for t in toks:
            if self.in_quote(t.start):
                continue
            if t.low in REPORT_ADVERBS[self.lang] and not t.cap and not (
                t.i and toks[t.i - 1].low in DETERMINERS  # "des angeblich ... geschlagenen"
            ):
                found.append((t.text, t))
            elif self.lang == "en" and t.low == "said" and 0 < t.i < len(toks) - 1 and \
                    toks[t.i - 1].low in ("is", "are", "was", "were") and toks[t.i + 1].low == "to":
                found.append((f"{toks[t.i - 1].text} said to", t))  # reported modality
            elif self.lang == "de" and t.low in ("soll", "sollen") and _perfect_tail(toks, t.i):
                found.append((f"{t.text} … {toks[_last_word(toks)].text}", t))
        if not found:
            return
        mine = [draft for draft in self.in_sent(s.index) if not draft.introducer]
        if mine:
            for draft in mine:
                draft.hedges.extend(h for h, _ in found)
            return
        hedge, t = found[0]
        end = F.clause_end(toks, 0, self.lang, stop_cues=False)
        a, b = self.span_of(toks, 0, end)
        body = self.text[a:b]
        lead = _LEAD.match(body)
        if lead:
            a += lead.end()
        tail = _TAIL.search(self.text[a:b])
        if tail:
            b = a + tail.start()
        cue = hedge if hedge.endswith(" said to") else t.text
        cue_span = (toks[t.i - 1].start, toks[t.i + 1].end) if cue != t.text else (t.start, t.end)
        self.add(Draft(a, b, s.index, "reported", cue, cue_span, own_voice=True,
                       hedges=[hedge], rule="own_voice_hedge"))

    def continuation(self, s: SentenceTokens) -> None:
        if s.index == 0:
            return
        before = self.sents[s.index - 1]
        if before.paragraph != s.paragraph:
            return
        prev = [draft for draft in self.in_sent(before.index) if not draft.own_voice]
        if not prev:
            self.reported_speech(s)
            return
        last = prev[-1]
        mine = self.in_sent(s.index)
        for opens, closes in self.quotes:
            if s.start <= opens < s.end and not self.text[s.start:opens].strip(" '") and not any(
                draft.start < closes - 1 and opens + 1 < draft.end for draft in mine
            ):
                raw = self.text[opens + 1: closes - 1]
                if len(re.findall(r"\w+", raw)) >= 3:
                    a = opens + 1 + len(raw) - len(raw.lstrip())
                    b = opens + 1 + len(raw.rstrip(" ,"))
                    mine.append(self.add(Draft(a, b, s.index, "quote", last.cue,
                                               last.cue_span, inherit=last,
                                               rule="quote_continuation")))
        if self.lang == "de":
            self.german_continuation(s, before, last, mine)

    def german_continuation(self, s: SentenceTokens, before: SentenceTokens, last: Draft,
                            mine: list[Draft]) -> None:
        """A sentence after an attributed one that reports on: Konjunktiv (one passage with the
        sentence before when that is one too) or reported modality ("soll … haben")."""
        toks = s.toks
        if len(mine) == 1 and mine[0].rule == "own_voice_hedge" and " … " in mine[0].hedges[0]:
            own = mine[0]  # "Er soll … gelogen haben.": the speaker before goes on
            own.own_voice, own.inherit, own.rule = False, last, "reported_continuation"
            return
        if mine:
            return
        for t in toks:
            if self.in_quote(t.start) or t.i == 0:
                continue
            if t.low in ("soll", "sollen") and toks[t.i - 1].low not in ("ich", "wir") and \
                    F.infinitive_end(toks, t.i):
                end = F.clause_end(toks, 0, self.lang, stop_cues=False)
                self.add(Draft(toks[0].start, toks[end - 1].end, s.index, "reported", t.text,
                               (t.start, t.end), inherit=last, hedges=[t.text],
                               rule="reported_continuation"))
                return
            if F.is_konjunktiv(toks, t, second=last.kind in ("indirect", "prediction", "reported")):
                end = F.clause_end(toks, 0, self.lang, stop_cues=False)
                first = _after_frame(toks, t.i)
                if first == 0 and last.rule in _PASSAGE_RULES and \
                        last.start == before.toks[0].start:
                    last.end, last.through = toks[end - 1].end, s.index  # one passage
                    return
                if end - first < 3:
                    return
                self.add(Draft(toks[first].start, toks[end - 1].end, s.index, "indirect", t.text,
                               (t.start, t.end), inherit=last, rule="konjunktiv_continuation"))
                return

    def reported_speech(self, s: SentenceTokens) -> None:
        """A Konjunktiv I sentence with no cue of its own ("Der Verein wolle … vorgehen."):
        reported speech of the last speaker named within the two sentences before, if any."""
        toks = s.toks
        if self.lang != "de" or self.in_sent(s.index) or not toks or self.in_quote(toks[0].start):
            return
        for t in toks:
            if t.i and not self.in_quote(t.start) and F.is_konjunktiv(toks, t) and not any(
                x.low in ("wenn", "falls", "als", "ob", "obwohl") for x in toks[: t.i]
            ):
                end = F.clause_end(toks, 0, self.lang, stop_cues=False)
                first = _after_frame(toks, t.i)
                if end - first < 3:
                    return
                self.add(Draft(toks[first].start, toks[end - 1].end, s.index, "indirect", t.text,
                               (t.start, t.end), fallback=True, rule="konjunktiv_after_speaker"))
                return



def _after_frame(toks: tuple[Tok, ...], konjunktiv: int) -> int:
    """Where a Konjunktiv sentence's message starts: after "…, verlautete aus EU-Kreisen, …" or
    "…hatte er gesagt, dass …" (a frame with a speech verb before the comma), else at 0."""
    cue = False
    for j in range(konjunktiv):
        if toks[j].text == "," and j and (cue or toks[j + 1].low == "dass"):
            return j + 2 if toks[j + 1].low == "dass" else j + 1
        cue = cue or F.cue_at(toks, j, "de") is not None
    return 0




def _last_word(toks: tuple[Tok, ...]) -> int:
    j = len(toks) - 1
    while j > 0 and toks[j].punct:
        j -= 1
    return j


def _perfect_tail(toks: tuple[Tok, ...], i: int) -> bool:
    """"soll ... gekostet haben": a perfect infinitive closes the clause (a report, not a plan)."""
    comma = next((k for k in range(i + 1, len(toks)) if toks[k].text == ","), None)
    j = _last_word(toks[:comma] if comma is not None else toks)
    part = toks[j - 1].low
    return j > i + 1 and toks[j].low in ("haben", "sein") and not toks[j - 1].cap and (
        "ge" in part[:6] or part.endswith(("iert", "t", "en"))
    ) and part not in ("fertig", "bereit", "möglich")
