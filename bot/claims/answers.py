"""Stage "disputes": the claim each denial answers, in the same item.

A denial ("bestritt das", "wies die Vorwürfe zurück", "denied that the contract …") is a claim of
kind ``denial`` whose message is the denying predicate. What it answers:

- an explicit object ("denied that X", "dementierte, dass X"): the claim of another claimant that
  says most of X (at least 60 % of X's content words);
- an accusation ("die Vorwürfe", "the allegation"): the nearest earlier claim of another claimant
  whose sentence names the denier (an accusation is about the one who denies it), else the nearest;
- an account with its owner ("der Darstellung des Unternehmens", "Nvidia's account"): the nearest
  earlier claim of that owner;
- any other object ("das", "dies", "diese Darstellung", "that account", "the claim"): the nearest
  earlier claim of another claimant; anaphors look back at most ``_WINDOW`` sentences.

Denials never answer denials. Sets ``ExtractedClaim.answers`` to the answered claim's message span;
the ledger stores the link as a dispute with reason code ``denial`` (``bot.claims.merge``).
"""

from __future__ import annotations

import re
from dataclasses import replace

from bot.claims.base import Document
from bot.claims.compare import same_claimant, words
from bot.claims.lexicon import ACCUSATIONS, ORG_DESCRIPTIONS, PERSON_DESCRIPTIONS
from bot.model import DisputeCode, DisputeReason, ExtractedClaim, Span

_WINDOW = 5  # sentences back that an anaphoric denial looks for the claim it answers
_CONTENT_SHARE = 0.6  # of an explicit object's content words that the answered claim must say
# "that"/"dass" opening what is denied ("denied that the plan …"), not "that account"
_THAT = re.compile(r"\b(?:that|dass)\s+(?P<content>.+)$", re.IGNORECASE | re.DOTALL)
# whose account a denial answers: "der Darstellung des Unternehmens", "the account of the firm",
# "Nvidia's account"
_OWNER = re.compile(r"\b(?:des|der|of(?: the)?)\s+(?P<owner>\w[\w-]*)\s*$|"
                    r"\b(?P<owner2>[A-Z][\w-]*)(?:'s|’s)\s+\w+\s*$")
_DEMONSTRATIVE_NOUN = re.compile(r"^(?:account|claim|claims|report|reports|allegation|"
                                 r"allegations|accusation|accusations|charge|charges|story|"
                                 r"version|assertion|suggestion|idea|notion|view)\b",
                                 re.IGNORECASE)


def link_denials(doc: Document, claims: list[ExtractedClaim]) -> list[ExtractedClaim]:
    """``claims`` with ``answers`` set on each denial that answers a claim of this item."""
    out = list(claims)
    for k, claim in enumerate(claims):
        if claim.kind != "denial":
            continue
        answered = _answered(doc, claims, claim)
        if answered is not None:
            out[k] = replace(claim, answers=answered.spans.message)
    return out


def _answered(doc: Document, claims: list[ExtractedClaim],
              denial: ExtractedClaim) -> ExtractedClaim | None:
    others = [c for c in claims if c.kind != "denial" and
              not (denial.claimant is not None and same_claimant(c.claimant, denial.claimant))]
    content = _explicit_object(denial.text)
    if content is not None:
        return _saying(others, content)
    start = denial.spans.message[0]
    sentence = _sentence_index(doc, start)
    earlier = [c for c in others if c.spans.message[1] <= start
               and sentence - _sentence_index(doc, c.spans.message[0]) <= _WINDOW]
    earlier.sort(key=lambda c: c.spans.message[1], reverse=True)  # nearest first
    if _accuses(denial.text, doc.lang):
        naming = [c for c in earlier if _names(doc, c, denial.claimant)]
        if naming:
            return naming[0]
    owner = _owner(denial.text)
    if owner:
        owned = [c for c in earlier if _owned_by(c.claimant, owner)]
        if owned:
            return owned[0]
    return earlier[0] if earlier else None


def _owner(text: str) -> list[str]:
    """Whose account a denial answers, as written ("der Darstellung des Unternehmens": the
    words after des/der/of; "Nvidia's account": Nvidia), genitive endings stripped."""
    found = _OWNER.search(text)
    if found is None:
        return []
    owner = found.group("owner") or found.group("owner2") or ""
    return [re.sub(r"(?:'s|’s|es|s)$", "", w) for w in owner.split()]


def _owned_by(claimant: str | None, owner: list[str]) -> bool:
    """The claimant is the owner: it shares a word with it, or the owner is a description of an
    organisation (a one-word claimant) or of a person (a full name)."""
    if claimant is None:
        return False
    names = {w.casefold() for w in claimant.split()}
    words = [w.casefold() for w in owner]
    if names & set(words) or any(w + "s" in names or w + "es" in names for w in words):
        return True
    if words and words[-1] in ORG_DESCRIPTIONS:
        return len(names) == 1
    return bool(words) and words[-1] in PERSON_DESCRIPTIONS and len(names) >= 2


def _explicit_object(text: str) -> frozenset[str] | None:
    """The content words of what a denial says is not so ("denied that X": X), if it says."""
    found = _THAT.search(text)
    if found is None or _DEMONSTRATIVE_NOUN.match(found.group("content")):
        return None
    content = words(found.group("content"))
    return content if len(content) >= 2 else None


def _saying(others: list[ExtractedClaim], content: frozenset[str]) -> ExtractedClaim | None:
    """The claim that says most of ``content`` (ties: the first), if it says enough of it."""
    best: ExtractedClaim | None = None
    best_share = 0.0
    for c in others:
        share = len(content & words(c.text)) / len(content)
        if share > best_share:
            best, best_share = c, share
    return best if best_share >= _CONTENT_SHARE else None


def _accuses(text: str, language: str) -> bool:
    return any(w.casefold() in ACCUSATIONS[language] for w in re.findall(r"\w+", text))


def _names(doc: Document, claim: ExtractedClaim, denier: str | None) -> bool:
    """The sentence of ``claim`` names the denier (any of its capitalised words)."""
    if denier is None:
        return False
    s = doc.sents[_sentence_index(doc, claim.spans.message[0])]
    sentence = doc.text[s.start:s.end]
    return any(len(w) >= 3 and w[:1].isupper() and re.search(rf"\b{re.escape(w)}\b", sentence)
               for w in denier.split())


def _sentence_index(doc: Document, pos: int) -> int:
    for s in doc.sents:
        if pos < s.end:
            return s.index
    return len(doc.sents) - 1


def answer_pairs(claims: list[ExtractedClaim]) -> list[tuple[int, int]]:
    """(denial, answered claim) as positions in ``claims``: the links a reader sees."""
    at: dict[Span, int] = {}
    for k, c in enumerate(claims):
        at.setdefault(c.spans.message, k)
    return [(k, at[c.answers]) for k, c in enumerate(claims)
            if c.answers is not None and c.answers in at]


def answer_disputes(claims: list[ExtractedClaim],
                    ids: list[str]) -> list[tuple[str, str, DisputeReason]]:
    """(denial id, answered claim id, reason) for each answer link; ``ids``: the claims' ids."""
    return [(ids[k], ids[j], DisputeReason(
        DisputeCode.DENIAL, doubter=claims[k].claimant, other=claims[j].claimant,
        marker=claims[k].cue, same_item=True)) for k, j in answer_pairs(claims) if ids[k] != ids[j]]
