"""Attribution frames beyond plain speech verbs: prepositions ("laut", "according to", "X zufolge",
"nach Angaben von"), "wie X berichtet", "so X", claim nouns ("die Behauptung von X"), voiced doubt
("sät Zweifel") and intentions ("möchte … verdoppeln", "plans to")."""

from __future__ import annotations

from bot.claims import frames as F
from bot.claims.base import Draft, Stage
from bot.claims.claimants import np_backward, np_forward
from bot.claims.doc import QUOTE_CHARS, SentenceTokens, Tok
from bot.claims.lexicon import DETERMINERS, NACH_NOUNS, NACH_SOURCE_HEADS

_NACH_FILLERS = {"ersten", "eigenen", "eigener", "eigenem", "bisherigen", "unbestätigten", "inoffiziellen",
                 "offiziellen", "neuesten", "jüngsten", "übereinstimmenden", "einer", "einem",
                 "den", "dem", "der", "des"}
_OWN_OR_SUBJECT = {"eigenen", "eigener", "eigenem", "ersten", "bisherigen", "unbestätigten",
                   "inoffiziellen"}
_POSSESSIVE = {"seiner", "ihrer", "deren", "dessen", "unserer"}


_COMPOUND_HEADS = ("angaben", "berichten", "bericht", "meinung", "aussagen", "dokument",
                   "informationen", "einschätzung")


def _source_noun(low: str) -> str:
    """"" when ``low`` is no source noun, "head" for the noun itself, "compound" for
    "Polizeiangaben" or "UNHCR-Angaben" (the owner is inside the word)."""
    if low in NACH_SOURCE_HEADS:
        return "head"
    if any(low.endswith(h) and len(low) > len(h) + 2 for h in _COMPOUND_HEADS):
        return "compound"
    return ""


def _adjective(toks: tuple[Tok, ...], n: int) -> bool:
    """A lower-case inflected word before a capitalised one ("offiziellen Angaben")."""
    t = toks[n]
    return (not t.cap and t.low.isalpha() and t.low.endswith(("en", "er", "em", "es", "e"))
            and n + 1 < len(toks) and toks[n + 1].cap and t.low not in DETERMINERS)


_ACCUSATIVE = {"diesen", "einen", "den", "jenen", "keinen"}
_SUBJECT_PRONOUNS = {"er", "sie", "es", "man", "wir", "ich", "ihr", "du"}


def _nach_head(toks: tuple[Tok, ...], i: int) -> tuple[int, list[Tok]]:
    """Index of the noun after "nach" (past fillers and adjectives) and a possessive or genitive
    owner before it ("nach dessen Angaben", "Nach Grupps Meinung")."""
    n = i + 1
    while n < min(len(toks), i + 4) and (toks[n].low in _NACH_FILLERS or _adjective(toks, n)):
        n += 1  # "nach ersten Informationen", "nach eigenen Angaben", "nach einer Stellungnahme"
    if n + 1 < len(toks) and n == i + 1 and (toks[n].low in _POSSESSIVE or (
        toks[n].cap and toks[n].low.endswith("s") and _source_noun(toks[n + 1].low)
    )):
        return n + 1, [toks[n]]
    return n, []


class PhraseFrames(Stage):
    def tail_only(self, toks: tuple[Tok, ...], j: int) -> bool:
        """Only an adverbial after the speaker ("..., sagte X am Montag weiter.")."""
        return all(t.text not in (",", ":", ";", "„", "“", "\"") and t.low not in ("dass", "that")
                   for t in toks[j:])

    def wie_frame(self, s: SentenceTokens, t: Tok) -> bool:
        """"Wie die BBC berichtet, ..." / "As Reuters reported, ..."."""
        toks = s.toks
        i = t.i
        if i > 0 and toks[i - 1].text != ",":
            return False
        who = np_forward(toks, F.skip_de_adverbs(toks, i + 1) if self.lang == "de" else i + 1,
                        self.lang)
        if not who or not any(x.cap for x in who):
            return False
        j = who[-1].i + 1
        if j < len(toks) and toks[j].text == "," and self.lang == "de":
            # "wie Burt Rutan, Chef der Firma, mitteilte": an apposition before the cue
            close = next((x.i for x in toks[j + 1: j + 10] if x.text == ","), None)
            if close is not None and close + 1 < len(toks) and F.cue_at(toks, close + 1, "de"):
                j = close + 1
        while j < len(toks) and toks[j].word and not F.cue_at(toks, j, self.lang) and j - i < 10:
            j += 1
        if j >= len(toks) or F.cue_at(toks, j, self.lang) is None:
            return False
        cue = F.cue_at(toks, j, self.lang)
        assert cue is not None
        k = (cue.particle or j) + 1
        while k < len(toks) and toks[k].word and k - j < 4:
            k += 1  # "wie X berichtet hatte", "wie X mitteilte"
        closes = i > 0 and (k >= len(toks) or toks[k].text in ".!?")  # "…, wie X berichtet."
        if not closes and (k >= len(toks) or toks[k].text != ","):
            return False
        self.used.add((s.index, j))
        end = F.clause_end(toks, k + 1, self.lang)
        if i > 0:
            a, b = self.span_of(toks, 0, i - 1)
        elif end - (k + 1) >= 3:
            a, b = self.span_of(toks, k + 1, end)
        else:
            return False
        self.add(Draft(a, b, s.index, "reported", f"{t.text} … {cue.label(toks)}",
                       cue.span(toks), who=who, rule="wie_frame"))
        return True

    def so_frame(self, s: SentenceTokens, t: Tok) -> bool:
        """"..., so der Sprecher." / "„…“, so X, wird ..." (German)."""
        toks = s.toks
        i = t.i
        if i < 2 or toks[i - 1].text not in (",", "“", "”", "\"", "«") or i + 1 >= len(toks):
            return False
        who = np_forward(toks, i + 1, self.lang)
        if not who or not any(x.cap for x in who):
            return False
        after = who[-1].i + 1
        while after < len(toks) and toks[after].low in ("weiter", "abschließend"):
            after += 1
        if after < len(toks) and toks[after].text not in (".", ",", ":", "!", "?"):
            return False
        b = i - 1 if toks[i - 1].text == "," else i
        if after >= len(toks) - 1 or toks[after].text in ".!?":
            msg, text = (0, b), None
        else:
            end = F.clause_end(toks, 0, self.lang, stop_cues=False)
            msg = (0, end)
            text = self.text[toks[0].start:toks[b - 1].end] + " " + self.text[
                toks[after].end:toks[end - 1].end]
        if msg[1] - msg[0] < 3:
            return False
        a, z = self.span_of(toks, *msg)
        self.add(Draft(a, z, s.index, "indirect", t.text, (t.start, t.end), who=who, text=text,
                       rule="so_frame"))
        return True

    def nach(self, s: SentenceTokens, t: Tok) -> bool:
        """"nach Angaben der Polizei", "Nach Ansicht von X", "seiner Meinung nach"."""
        toks = s.toks
        i = t.i
        n, owner = _nach_head(toks, i)
        own_voice = False
        source_to = None
        if n < len(toks) and (toks[n].low in NACH_NOUNS or _source_noun(toks[n].low)):
            who = owner or self.nach_owner(toks, i, n)
            if owner:
                source_to = toks[n].end  # "nach dessen Angaben": the phrase up to the noun
            first, last = i, (who[-1].i if who else n)
            cue_span = (t.start, toks[n].end)
            label = self.text[t.start:toks[n].end]
            if not who and toks[i + 1].low in ("eigenen", "eigener", "eigenem"):
                who = F.german_subject(toks, i, self.lang) or np_forward(toks, 0, self.lang)
                if who and who[-1].i >= i:
                    who = []
            elif not who and toks[i + 1].low in ("ersten", "bisherigen", "unbestätigten",
                                                "inoffiziellen"):
                own_voice = True  # the article reports unconfirmed information
        elif i >= 1 and toks[i - 1].low == "vernehmen":
            who, first, last, own_voice = [], max(0, i - 2), i, True
            cue_span = (toks[i - 1].start, t.end)
            label = self.text[toks[i - 1].start:t.end]
        elif i >= 2 and toks[i - 1].low in NACH_NOUNS and toks[i - 2].low in _POSSESSIVE:
            who = [toks[i - 2]]
            first, last = i - 2, i
            cue_span = (toks[i - 1].start, t.end)
            label = f"{toks[i - 1].text} {t.text}"
        else:
            return False
        if not who and not own_voice:
            return False
        end = F.clause_end(toks, 0, self.lang, stop_cues=False)
        if first == 0:
            a = last + 1
            msg, text = (a, end), None
        else:
            msg = (0, end)
            text = self.text[toks[0].start:toks[first - 1].end]
            if last + 1 < end:
                text += " " + self.text[toks[last + 1].start:toks[end - 1].end]
        if msg[1] - msg[0] < 3:
            return False
        a, b = self.span_of(toks, *msg)
        source_from = toks[i + 1].start if first == i else toks[i - 2].start
        self.add(Draft(a, b, s.index, "reported", label, cue_span, who=who or None, text=text,
                       own_voice=own_voice, hedges=[label] if own_voice else [],
                       source_from=source_from, source_to=source_to, rule="nach_frame"))
        return True

    def nach_owner(self, toks: tuple[Tok, ...], i: int, n: int) -> list[Tok]:
        """Whose "Angaben" (the noun at ``n``): "der Polizei", "von X", "libanesischer Kreise",
        or the phrase itself when it names its owner ("nach Polizeiangaben")."""
        j = n + 1
        if j < len(toks) and toks[j].low in ("von", "aus"):
            j += 1
        who = np_forward(toks, j, self.lang) if j < len(toks) and (
            toks[j].cap or toks[j].low in DETERMINERS) else []
        if not who and j + 1 < len(toks) and _adjective(toks, j) and toks[j + 1].cap:
            who = [toks[j], *np_forward(toks, j + 1, self.lang)]  # "libanesischer Kreise"
        if not who and toks[i + 1].low not in _OWN_OR_SUBJECT and (
            n > i + 1 or _source_noun(toks[n].low) == "compound"
        ):
            who = list(toks[i + 1:n + 1])  # "nach offiziellen Angaben", "nach Polizeiangaben"
        return who

    def prep(self, s: SentenceTokens, t: Tok) -> None:
        toks = s.toks
        i = t.i
        if t.low == "zufolge":
            who = np_backward(toks, i - 1, self.lang)
            if not who:
                return
            first, last = who[0].i, i
        else:
            start = i + 2 if t.low == "according" else i + 1
            if start >= len(toks) or not (toks[start].cap or toks[start].low in DETERMINERS
                                          or toks[start].text in QUOTE_CHARS
                                          or self.lang == "en" or "-" in toks[start].text
                                          or "." in toks[start].text.strip(".")):
                return
            if self.lang == "en":
                end = start
                while end < len(toks) and not (toks[end].punct and toks[end].low not in
                                               ("'s", "’s", "-")):
                    end += 1
                who = list(toks[start:end])
            else:
                who = np_forward(toks, start, self.lang) or [toks[start]]
                nxt = who[-1].i + 1
                if nxt < len(toks) and toks[nxt].low in ("der", "des") and nxt + 1 < len(toks) \
                        and toks[nxt + 1].cap:
                    who += np_forward(toks, nxt, self.lang)
            if not who:
                return
            first, last = i, who[-1].i
        prefix = 0
        while prefix < first and (toks[prefix].punct or toks[prefix].text == ":" or
                                  any(x.text == ":" for x in toks[prefix:first])):
            prefix += 1
        end = F.clause_end(toks, 0, self.lang, stop_cues=False)
        if first <= prefix:
            a = last + 1
            while a < end and toks[a].text == ",":
                a += 1
            msg = (a, end)
        elif last + 1 >= end:
            b = first
            while b > prefix and toks[b - 1].text == ",":
                b -= 1
            msg = (prefix, b)
        else:
            msg = (prefix, end)
        if msg[1] - msg[0] < 3:
            return
        cue_end = toks[i + 1].end if t.low == "according" else t.end
        label = self.text[t.start:cue_end]
        a, b = self.span_of(toks, *msg)
        self.add(Draft(a, b, s.index, "reported", label, (t.start, cue_end), who=who, rule="preposition"))

    def noun(self, s: SentenceTokens, t: Tok) -> None:
        toks = s.toks
        j = t.i + 1
        if j < len(toks) and toks[j].low == "von":
            j += 1
        elif not (j < len(toks) and toks[j].low in ("des", "der")):
            return
        who = np_forward(toks, j, self.lang)
        if not who:
            return
        k = who[-1].i + 1
        if k < len(toks) and toks[k].text in (":", ","):
            k += 1
            if k < len(toks) and toks[k].low == "dass":
                k += 1
            end = F.clause_end(toks, k, self.lang)
            if end - k >= 3:
                a, b = self.span_of(toks, k, end)
                self.add(Draft(a, b, s.index, "indirect", t.text, (t.start, t.end), who=who,
                               rule="claim_noun"))

    def doubt(self, s: SentenceTokens, verb: Tok, noun: Tok) -> None:
        toks = s.toks
        who, inherit = self.subject(s, verb.i)
        if who is None and inherit is None:
            return
        end = F.clause_end(toks, noun.i, self.lang)
        a, b = self.span_of(toks, noun.i, end)
        self.used.add((s.index, verb.i))
        self.add(Draft(a, b, s.index, "indirect", f"{verb.text} … {noun.text}",
                       (verb.start, verb.end), who=who, inherit=inherit, rule="doubt_noun"))

    def intention(self, s: SentenceTokens, t: Tok) -> bool:
        toks = s.toks
        i = t.i
        if self.lang == "en":
            if i + 1 >= len(toks) or toks[i + 1].low != "to":
                return False
            got = F.english_subject(toks, i, self.lang)
            if not isinstance(got, list):
                return False
            end = next((x.i for x in toks[i + 2:] if x.punct), len(toks))
            if end - (i + 2) < 2:
                return False
            a, b = self.span_of(toks, i + 2, end)
            self.add(Draft(a, b, s.index, "intention", t.text, (t.start, t.end), who=got, rule="intention"))
            return True
        r = i - 1
        while r > 0 and toks[r].text != ",":
            r -= 1
        if r > 1 and r + 1 < i and toks[r + 1].low in ("der", "die", "das") and toks[r - 1].cap:
            who = np_backward(toks, r - 1, self.lang)
            if who and i - (r + 2) >= 2:
                a, b = self.span_of(toks, r + 2, i)
                self.add(Draft(a, b, s.index, "intention", t.text, (t.start, t.end), who=who,
                               rule="intention"))
                return True
        subj = F.german_subject(toks, i, self.lang)
        if subj and subj[0].cap and F.infinitive_end(toks, i) and not (
            subj[0].low in _ACCUSATIVE or (i + 1 < len(toks) and toks[i + 1].low in _SUBJECT_PRONOUNS)
        ):  # not "Diesen Druck will er vermeiden": the fronted phrase is the object
            end = F.clause_end(toks, i + 1, self.lang)
            if end - (i + 1) >= 2:
                a, b = self.span_of(toks, i + 1, end)
                self.add(Draft(a, b, s.index, "intention", t.text, (t.start, t.end), who=subj,
                               rule="intention"))
                return True
        return False

    def heisst_es(self, s: SentenceTokens, t: Tok) -> bool:
        """"…, heißt es in dem Bericht der Netzagentur." / "Im Bericht heißt es, dass …": the
        document (or, without one, nobody: the article's report) says it."""
        toks = s.toks
        i = t.i
        if i + 1 < len(toks) and toks[i + 1].low != "es" and i > 0 and toks[i - 1].low == "es":
            return self.heisst_es_alone(s, t, toks[i - 1])  # "Es heißt, …", "wie es hieß"
        if i + 1 >= len(toks) or toks[i + 1].low != "es":
            return False
        k = F.skip_de_adverbs(toks, i + 2)
        who: list[Tok] = []
        if k < len(toks) and toks[k].low in ("in", "im"):
            who = np_forward(toks, k + 1, self.lang)
        elif i >= 2 and toks[0].low in ("in", "im"):
            who = np_forward(toks, 1, self.lang)
        if not who:
            return self.heisst_es_alone(s, t, toks[i + 1])
        if i > 1 and toks[i - 1].text == ",":
            msg = (0, i - 1)
        else:
            after = (who[-1].i + 1) if who[0].i > i else i + 2
            while after < len(toks) and toks[after].text in (",", ":"):
                after += 1
            if after < len(toks) and toks[after].low == "dass":
                after += 1
            msg = (after, F.clause_end(toks, after, self.lang))
        if msg[1] - msg[0] < 3:
            return False
        a, b = self.span_of(toks, *msg)
        self.used.add((s.index, i))
        self.add(Draft(a, b, s.index, "indirect", f"{t.text} es", (t.start, toks[i + 1].end),
                       who=who, rule="heisst_es"))
        return True


    def heisst_es_alone(self, s: SentenceTokens, t: Tok, es: Tok) -> bool:
        """"…, heißt es." / "Es heißt, …" / "Wie es hieß, …" with nobody named: reported in the
        article's own voice (claimant null), "heißt es" its hedge."""
        toks = s.toks
        first, last = min(t.i, es.i), max(t.i, es.i)
        if first > 0 and toks[first - 1].low == "wie":
            first -= 1
        if first > 1 and toks[first - 1].text == "," and (
            last + 1 >= len(toks) or toks[last + 1].text in ".!?"
        ):
            msg = (0, first - 1)  # "Feierlichkeiten seien nicht vorgesehen, heißt es."
        elif first == 0 and last + 1 < len(toks) and toks[last + 1].text == ",":
            after = last + 2
            if after < len(toks) and toks[after].low == "dass":
                after += 1
            msg = (after, F.clause_end(toks, after, self.lang))
        else:
            return False
        if msg[1] - msg[0] < 3:
            return False
        a, b = self.span_of(toks, *msg)
        label = " ".join(x.text for x in toks[first:last + 1])
        self.used.add((s.index, t.i))
        self.add(Draft(a, b, s.index, "reported", label, (toks[first].start, toks[last].end),
                     own_voice=True, hedges=[label], rule="heisst_es"))
        return True

    def demnach(self, s: SentenceTokens, t: Tok) -> bool:
        """"Demnach wäre …": what the source just named says (the corpus marks "demnach" itself
        as the source span; the claimant is the speaker it points back to)."""
        toks = s.toks
        if t.i == 0 and len(toks) > 4:
            msg = (1, F.clause_end(toks, 1, self.lang))
        elif 0 < t.i < 4 and toks[t.i - 1].word:
            msg = (0, F.clause_end(toks, 0, self.lang))
        else:
            return False
        if msg[1] - msg[0] < 3:
            return False
        a, b = self.span_of(toks, *msg)
        self.add(Draft(a, b, s.index, "reported", t.text, (t.start, t.end), fallback=True,
                       anaphor=(t.start, t.end), rule="demnach"))
        return True

    def wonach(self, s: SentenceTokens, t: Tok) -> bool:
        """"…, verwies auf eine Umfrage, wonach …": the noun phrase before the comma says it."""
        toks = s.toks
        i = t.i
        if i < 2 or toks[i - 1].text != ",":
            return False
        who = np_backward(toks, i - 2, self.lang)
        if not who or not any(x.cap for x in who):
            return False
        end = F.clause_end(toks, i + 1, self.lang)
        if end - (i + 1) < 3:
            return False
        a, b = self.span_of(toks, i + 1, end)
        self.add(Draft(a, b, s.index, "reported", t.text, (t.start, t.end), who=who, rule="wonach"))
        return True
