"""Stage "cues", part 1: direct quotes and the cue that attributes each one.

A quote takes its cue from the frame right after it ("„…“, staunt X", "“…,” analyst Dan Ives
said"), else it goes on from the quote before it ("„A“, spielt X … herunter: „B“"), else from a
colon frame before it ("Er sagte: „…“"). Quotes claim their cue verbs first (``Attributions.used``),
so the verb frames that run next do not read "„…“, staunt X" a second time as an indirect claim.
"""

from __future__ import annotations

import re

from bot.claims import frames as F
from bot.claims.base import Attributions, Draft, Stage
from bot.claims.claimants import is_role, np_forward
from bot.claims.doc import SentenceTokens, Tok
from bot.claims.lexicon import DETERMINERS

# verbs that apply a quoted label to something: their short quotes are claims of the subject
_LABELLING = {"bezeichnen", "nennen", "sprechen", "warnen", "würdigen", "kritisieren", "loben",
              "beschreiben", "charakterisieren", "werten", "bewerten", "titulieren"}


def attribute_quotes(found: Attributions) -> None:
    """Add a draft (kind quote) for every attributed direct quote, in text order."""
    stage = QuoteCues(found)
    prev: tuple[Draft, int] | None = None
    for opens, closes in stage.quotes:
        draft = stage.quote(opens, closes, prev)
        prev = (draft, closes) if draft else None


class QuoteCues(Stage):
    def quote(self, opens: int, closes: int, prev: tuple[Draft, int] | None) -> Draft | None:
        inner_a, inner_b = opens + 1, closes - 1
        raw = self.text[inner_a:inner_b]
        stripped = raw.rstrip(" ,")
        n_words = len(re.findall(r"\w+", raw))
        start = inner_a + (len(raw) - len(raw.lstrip()))
        end = inner_a + len(stripped)
        if n_words < 3 or (n_words < 5 and not re.search(r"[.!?]\s*$", raw) and
                           re.search(r"(?:\b(?:der|die|das|des|dem|den|the|a|von|of|im|in)\s*)$",
                                     self.text[max(0, opens - 6):opens], re.IGNORECASE)):
            if n_words and self.lang == "de":
                return self.labelled(start, end, opens)  # "nannte die Pläne „Wortbruch“"
            return None  # a scare quote or a title: „AI Index Report“
        s = self.sent_of(closes - 1)
        if s is None:
            return None
        after = self.quote_cue_after(start, end, s, closes)
        if after is not None:
            return after
        if prev is not None:
            between = self.text[prev[1]:opens]
            if not re.search(r"[.!?]", between) and between.strip(" '")[-1:] in (":", ","):
                draft = prev[0]
                return self.add(Draft(start, end, draft.sent, "quote", draft.cue, draft.cue_span,
                                      inherit=draft,
                                      rule="quote_after_quote"))
        return self.quote_cue_before(start, end, opens)

    def labelled(self, start: int, end: int, opens: int) -> Draft | None:
        """A short quote that a speaker applies ("bezeichnete die Pläne als „Wortbruch“", "sprach
        von einer „Gefahr für Leib und Leben“"): a quote of the subject of a labelling verb
        before it in the sentence; a title or a "sogenannte" term stays no claim."""
        s = self.sent_of(opens)
        if s is None or re.search(r"(?:so ?genannt\w*|titel\w*)\s*$", self.text[s.start:opens],
                                  re.IGNORECASE):
            return None
        before = [t for t in s.toks if t.end <= opens and not self.in_quote(t.start)]
        for t in reversed(before[-8:]):
            cue = F.cue_at(s.toks, t.i, self.lang)
            if cue is None or cue.lemma not in _LABELLING or (s.index, t.i) in self.used:
                continue
            who, _ = self.subject(s, t.i)
            if not who or (F.is_pronoun(who) and who[0].low == "es"):
                return None
            return self.quote_draft(start, end, s, cue, who)
        return None

    def quote_cue_after(self, start: int, end: int, s: SentenceTokens, closes: int) -> Draft | None:
        """„…“, staunt der Internet-Pionier Marc Andressen / “…,” analyst Dan Ives said."""
        toks = s.toks
        rest = [t for t in toks if t.start >= closes]
        k = 0
        while k < len(rest) and rest[k].text in (",", ":", "–"):
            k += 1
        if k >= len(rest):
            return None
        t0 = rest[k]
        cue = F.quote_cue_at(toks, t0.i, self.lang)
        if cue is None and t0.low == "so" and self.lang == "de":
            cue = F.Cue("so", t0.i)
        if cue is not None:
            who = np_forward(toks, F.skip_de_adverbs(toks, t0.i + 1), self.lang)
            if who:
                return self.quote_draft(start, end, s, cue, who)
        for j in range(k, min(k + 7, len(rest))):
            if rest[j].text == "," and self.lang == "en" and j > k:
                close = next((m for m in range(j + 1, min(j + 20, len(rest)))
                              if rest[m].text == ","), None)  # "“…,” Doug Usher, director …, said"
                if close is not None and close + 1 < len(rest) and \
                        F.quote_cue_at(toks, rest[close + 1].i, self.lang) is not None:
                    who = [t for t in rest[k:j] if t.low not in F.EN_AUX]
                    cue = F.quote_cue_at(toks, rest[close + 1].i, self.lang)
                    if cue is not None and who and who[0].cap:
                        return self.quote_draft(start, end, s, cue, who)
                break
            if rest[j].punct and rest[j].low not in ("'s", "’s", "-", "(", ")"):
                break
            cue = F.quote_cue_at(toks, rest[j].i, self.lang)
            if cue is not None and j > k:
                who = [t for t in rest[k:j] if t.low not in F.EN_AUX]
                if who and (who[0].cap or who[0].low in DETERMINERS or F.is_pronoun(who[:1])
                           or (is_role(who[0], self.lang) and any(x.cap for x in who))):
                    return self.quote_draft(start, end, s, cue, who)
                break
        return None

    def quote_cue_before(self, start: int, end: int, opens: int) -> Draft | None:
        """Er sagte: „…“ — the cue before a colon that opens the quote."""
        so = self.sent_of(opens)
        if so is not None and so.index > 0 and not self.text[so.start:opens].strip().strip("'"):
            so = self.sents[so.index - 1]  # "X sagte:" closed a sentence of its own
            opens = so.end + 1
        lead = self.text[so.start:opens].rstrip(" '") if so is not None else ""
        if so is None or not (lead.endswith(":") or (self.lang == "en" and lead.endswith(","))):
            return None  # "Er sagte: „…“", "He added, “…”"
        before = [t for t in so.toks if t.end <= opens]
        if lead.endswith(","):  # only the cue right before the comma: "He added, “…”"
            before = before[-3:-1] if len(before) >= 2 else []
        for t in reversed(before):
            cue = F.quote_cue_at(so.toks, t.i, self.lang)
            if cue is None or (so.index, t.i) in self.used:
                continue
            after = np_forward(so.toks, F.skip_de_adverbs(so.toks, t.i + 1), self.lang)
            speaker = after if after and (F.is_pronoun(after) or (
                self.lang == "en" and t.i == 0 and after[0].cap)) else self.subject(so, t.i)[0]
            if speaker:
                return self.quote_draft(start, end, so, cue, speaker)
        return None


    def quote_draft(
        self, start: int, end: int, s: SentenceTokens, cue: F.Cue, who: list[Tok]
    ) -> Draft:
        self.used.add((s.index, cue.index))
        return self.add(Draft(start, end, s.index, "quote", cue.label(s.toks), cue.span(s.toks),
                              who=who, rule="quote_with_cue"))
