"""bot.claims.merge: one identity rule, one merge rule, the same on both paths."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.claims.merge import claim_id, merge_claims, merge_rows, replace_item_claims
from bot.model import ClaimSpans, ExtractedClaim
from bot.storage import Storage
from bot.storage.claims import ClaimRow
from bot.storage.items import NewItem

T0 = datetime(2025, 1, 27, 8, tzinfo=UTC)


def _row(cid: str, evidence: str, *, hedges: tuple[str, ...] = (), when: datetime = T0,
         ) -> ClaimRow:
    return ClaimRow(cid, "Ada Park", "chips got cheaper", "statement", None, bool(hedges), hedges,
                    evidence, (), when, when, ())


def _claim(evidence: str, hedges: tuple[str, ...] = (),
           text: str = "chips got cheaper") -> ExtractedClaim:
    return ExtractedClaim(text, "Ada Park", "statement", None, bool(hedges),
                          hedges, evidence, ClaimSpans((0, 5), None, None))  # type: ignore[arg-type]


def test_identity_ignores_case_quotes_and_punctuation() -> None:
    assert claim_id("Ada Park", "„Chips got cheaper!“") == claim_id("ada park", "chips got cheaper")
    assert claim_id("Ada Park", "chips got cheaper") != claim_id("Bo Li", "chips got cheaper")


def test_the_strongest_evidence_wins_whichever_side_it_is_on() -> None:
    for first, second in (("cited", "none_given"), ("none_given", "cited")):
        assert merge_rows(_row("a", first), _row("b", second)).evidence == "none_given"
    assert merge_rows(_row("a", "unstated"), _row("b", "cited")).evidence == "cited"
    later = T0 + timedelta(days=1)
    merged = merge_rows(_row("a", "cited", hedges=("may",), when=later),
                        _row("b", "cited", hedges=("could", "may")))
    assert merged.hedges == ("may", "could") and merged.hedged
    assert (merged.first_seen, merged.last_seen, merged.id) == (T0, later, "a")


async def test_a_second_report_and_a_ledger_merge_give_the_same_evidence(tmp_path: Path) -> None:
    """Before, a re-report kept 'cited' over 'none_given' while a ledger merge took 'none_given'."""
    storage = await Storage.open(tmp_path / "m.db")
    try:
        source = await storage.sources.ensure("feed", "https://a.example/f", "a", T0)
        ids = []
        for n in (1, 2, 3):
            item_id, _ = await storage.items.upsert(
                source.id, NewItem(f"k{n}", "t", None, None, "en", "x", f"h{n}"), T0)
            ids.append(item_id)
        await replace_item_claims(storage, ids[0], [_claim("cited")], T0)
        (cid,) = await replace_item_claims(storage, ids[1], [_claim("none_given")], T0)
        (reported,) = await storage.claims.entries([cid])
        (other,) = await replace_item_claims(
            storage, ids[2], [_claim("none_given", text="chips got cheaper, she said")], T0)
        await storage.claims.replace_for_item(ids[1], [], T0)  # cid: cited again on item 1 only
        await replace_item_claims(storage, ids[0], [_claim("cited")], T0)
        await merge_claims(storage, cid, other)
        (merged,) = await storage.claims.entries([cid])
        assert reported.evidence == merged.evidence == "none_given"
        assert {m.item_id for c in await storage.claims.list() for m in c.mentions} == {
            ids[0], ids[2]}
    finally:
        await storage.close()
