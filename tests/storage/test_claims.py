"""ClaimStore writes in few statements what one statement per row wrote: the same tables."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.claims.merge import merge_rows
from bot.model import ClaimSpans
from bot.storage import Storage
from bot.storage.claims import ClaimMention, ClaimRow
from bot.storage.items import NewItem
from tests.storage.pg import fresh_database

T0 = datetime(2025, 1, 27, 8, tzinfo=UTC)
DENIAL = json.dumps({"code": "denial", "args": {}})
FIGURE = json.dumps({"code": "figure_differs", "args": {}})


def _row(cid: str, day: int, *, evidence: str = "unstated", hedges: tuple[str, ...] = ()
         ) -> ClaimRow:
    when = T0 + timedelta(days=day)
    return ClaimRow(cid, "Ada Park", f"text of {cid}", "statement", None, bool(hedges), hedges,
                    evidence, (), when, when, ())


@pytest.fixture
def second_target(database_target: Path | str, tmp_path: Path) -> Iterator[Path | str]:
    """A second fresh database on the same backend as ``database_target``."""
    if isinstance(database_target, Path):
        yield tmp_path / "second.db"
        return
    with fresh_database() as url:
        yield url


async def _fill(storage: Storage) -> dict[str, ClaimRow]:
    """Five claims on five items (one each), a sixth item reporting c and d, three links."""
    source = await storage.sources.ensure("feed", "https://a.example/f", "a", T0)
    rows = {cid: _row(cid, n, evidence=("cited", "none_given")[n % 2], hedges=(f"h{n}",))
            for n, cid in enumerate("abcde")}
    for n, cid in enumerate([*rows, "cd"]):
        item_id, _ = await storage.items.upsert(
            source.id, NewItem(f"k{n}", "t", None, None, "en", "x", f"h{n}"), T0)
        reported = [rows[c] for c in cid]
        await storage.claims.replace_for_item(
            item_id, [ClaimMention(r, p, ClaimSpans((p, p + 1), None, None))
                      for p, r in enumerate(reported)], T0, new_item=True)
    await storage.claims.add_disputes(
        [("c", "b", DENIAL), ("a", "e", FIGURE), ("d", "a", FIGURE)], T0)
    return rows


async def _tables(storage: Storage) -> tuple[object, ...]:
    claims = sorted((r.id, r.evidence, r.hedges, r.first_seen, r.last_seen, r.hedged,
                     tuple((m.item_id, m.position) for m in r.mentions))
                    for r in await storage.claims.list())
    disputes = sorted((d.claim_id, d.other_id, d.reason) for d in await storage.claims.disputes())
    keys = await storage.claims.postings(["k"])
    return claims, disputes, keys


@pytest.mark.parametrize("with_denials", [True, False])
async def test_merges_written_together_equal_merges_one_by_one(
        database_target: Path | str, second_target: Path | str, with_denials: bool) -> None:
    """A chain (b into a, then a into e) and a merge beside it (d into c): each step for all
    merges gives what each merge after the other gives, denial links following their claim."""
    results = []
    for together, target in ((False, database_target), (True, second_target)):
        storage = await Storage.open(target)
        try:
            rows = await _fill(storage)
            if not with_denials:
                await storage.claims.clear_disputes()
            await storage.claims.add_keys([("a", "k"), ("b", "k"), ("e", "k")])
            a_in = merge_rows(rows["e"], merge_rows(rows["a"], rows["b"]))
            merges = [(merge_rows(rows["a"], rows["b"]), "b"), (a_in, "a"),
                      (merge_rows(rows["c"], rows["d"]), "d")]
            if together:
                await storage.claims.merge_many(merges)
            else:
                for merged, source in merges:
                    await storage.claims.merge(merged, source)
            results.append(await _tables(storage))
        finally:
            await storage.close()
    assert results[0] == results[1]
    claims, disputes, keys = results[1]
    assert [c[0] for c in claims] == ["c", "e"]  # type: ignore[index]
    assert keys == {"k": {"e"}}
    # b's denial link to c followed b into a, then a into e; the other links went with a
    assert disputes == ([("c", "e", DENIAL)] if with_denials else [])


async def test_a_new_items_claims_keep_their_order_and_seq(storage: Storage) -> None:
    rows = await _fill(storage)
    entries = await storage.claims.entries()
    assert [r.id for r in entries] == list(rows)
    listed = await storage.claims.list()
    assert {r.id: [(m.item_id, m.position) for m in r.mentions] for r in listed}["d"] == [
        (4, 0), (6, 1)]


async def test_the_ledgers_item_questions_are_answered_without_reading_the_items(
        storage: Storage) -> None:
    """The reads the ledger step asks instead of every claim's items (``_fill``: items 1-5 report
    a-e, item 6 reports c and d): counts, whether two sides share an item, the step's items, the
    stored links and the order of ``list()``."""
    await _fill(storage)
    assert await storage.claims.mention_counts(["c", "a", "gone"], 10) == {
        "a": 1, "c": 2, "gone": 0}
    assert await storage.claims.mention_counts(["c"], 1) == {"c": 1}  # counted up to the cap
    assert await storage.claims.share_item(["c"], ["d"])
    assert await storage.claims.share_item(["d"], ["a", "c"])
    assert not await storage.claims.share_item(["a"], ["b", "e"])
    assert not await storage.claims.share_item([], ["c"])
    assert await storage.claims.items_reporting([6, 1]) == {"c": {6}, "d": {6}, "a": {1}}
    assert await storage.claims.linked_pairs(["a"]) == {("a", "e"), ("a", "d")}
    assert await storage.claims.linked_pairs(["b", "zz"]) == {("b", "c")}
    order = await storage.claims.list_order(["d", "c", "gone"])
    assert set(order) == {"c", "d"}
    assert order["d"][:2] == (4, 0) and order["c"][:2] == (3, 0)  # first item, first position
    listed = [r.id for r in await storage.claims.list()]
    assert sorted(order, key=order.__getitem__) == [c for c in listed if c in order]
    await storage.claims.merge(merge_rows(_row("c", 2), _row("d", 3)), "d")
    assert await storage.claims.mention_counts(["c"], 10) == {"c": 3}  # item 6 once, item 4 moved
    assert not await storage.claims.share_item(["c"], ["d"])
