"""A denial disputes the claim it answers (tests/data/claims/answers: articles in our own words,
written with their gold before the rule was built), in the item and, through the ledger, across
items when the same claim is there."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.app import App
from bot.claims.query import ledger_claims
from bot.ingest import RawArticle
from bot.model import Claim, DisputeCode, ExtractedClaim
from tests.claims.gold import extract_file
from tests.conftest import FixedClock

DATA = Path(__file__).resolve().parent.parent / "data" / "claims"
ANSWERS = DATA / "answers"
GOLD: dict[str, list[dict[str, str | None]]] = {
    name: rows for name, rows in json.loads((ANSWERS / "answers.json").read_text("utf-8")).items()
    if name != "notes"
}


def one(claims: list[ExtractedClaim], piece: str, *, denial: bool) -> ExtractedClaim:
    found = [c for c in claims if piece in c.text and (c.kind == "denial") == denial]
    assert len(found) == 1, (piece, [c.text for c in claims])
    return found[0]


@pytest.mark.parametrize("name", sorted(GOLD))
def test_each_denial_answers_the_claim_it_refers_to(name: str) -> None:
    _, claims = extract_file(ANSWERS / name, Path(name).name[:2])
    for row in GOLD[name]:
        denial = one(claims, str(row["denial"]), denial=True)
        answered = row["answers"]
        want = None if answered is None else one(claims, answered, denial=False).spans.message
        assert denial.answers == want, row


def test_a_denial_of_something_no_claim_says_answers_none() -> None:
    _, claims = extract_file(DATA / "en_denials.txt", "en")
    officials = one(claims, "dismissed the claim that the rules had failed", denial=True)
    assert officials.answers is None  # "the ministry said it would review the export rules"


def test_only_denials_answer() -> None:
    for name in GOLD:
        _, claims = extract_file(ANSWERS / name, Path(name).name[:2])
        assert all(c.answers is None for c in claims if c.kind != "denial")


async def ingest(app: App, key: str, text: str, language: str) -> None:
    source = await app.storage.sources.ensure("seed", f"seed:{key}", key, app.clock.now())
    await app.ingest.ingest_article(source, RawArticle(
        key=key, title=key, text=text, url=f"https://example.org/{key}", language=language))


def by_text(claims: list[Claim], piece: str) -> Claim:
    found = [c for c in claims if piece in c.text]
    assert len(found) == 1, (piece, [c.text for c in claims])
    return found[0]


async def test_in_the_ledger_a_denial_disputes_only_the_claim_it_answers(app: App) -> None:
    text = (ANSWERS / "de_akkus.txt").read_text("utf-8").split("\n", 2)[2]
    await ingest(app, "akkus", text, "de")
    claims = await ledger_claims(app.storage)
    accusation = by_text(claims, "fehlerhafte Akkus")
    chargers = by_text(claims, "Ladegeräte von Voltaro")
    rejects = by_text(claims, "wies die Vorwürfe zurück")
    denies = by_text(claims, "bestritt das")
    assert list(rejects.disputes) == [accusation.id]  # not Berger's claim, which names Voltaro too
    assert list(denies.disputes) == [chargers.id]
    assert sorted(chargers.disputes) == [denies.id]
    reason = rejects.dispute_reasons[0]
    assert reason.code == DisputeCode.DENIAL and reason.same_item is True
    assert reason.doubter == rejects.claimant and reason.other == "Verbraucherzentrale Hessen"


async def test_across_items_the_link_follows_the_same_claim(app: App, clock: FixedClock) -> None:
    await ingest(app, "first", "Watchdog director Ann Lee said Helix Labs had skipped two safety "
                 "trials.", "en")
    clock.advance(hours=3)
    await ingest(app, "second", "Ann Lee said Helix Labs had skipped two required safety trials. "
                 "Helix Labs denied the allegation.", "en")
    claims = await ledger_claims(app.storage)
    skipped = by_text(claims, "skipped two")  # the second report joined the first entry
    assert len(skipped.sources) == 2
    denial = by_text(claims, "denied the allegation")
    assert list(denial.disputes) == [skipped.id]
