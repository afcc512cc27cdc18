"""The reads of given claims (``ClaimReadStore``) agree with the whole-ledger reads of
``ClaimStore`` on both backends: a ranked entry and a whole-ledger entry list a claim's disputes in
one order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.model import ClaimSpans
from bot.storage import Storage
from bot.storage.claims import ClaimMention, ClaimRow
from bot.storage.items import NewItem

T0 = datetime(2025, 1, 27, 8, tzinfo=UTC)


def _row(cid: str) -> ClaimRow:
    return ClaimRow(cid, "Ada Park", f"text of {cid}", "statement", None, False, (), "unstated",
                    (), T0, T0, ())


async def _claims(storage: Storage, ids: list[str]) -> None:
    source = await storage.sources.ensure("feed", "http://127.0.0.1:9/f", "f", T0)
    item_id, _ = await storage.items.upsert(source.id, NewItem(
        key="k", title="t", url="http://127.0.0.1:9/1", published=T0, language="en", text="x",
        content_hash="h"), T0)
    await storage.claims.replace_for_item(
        item_id, [ClaimMention(_row(cid), p, ClaimSpans(message=(0, 1)))
                  for p, cid in enumerate(ids)], T0)


async def test_disputes_are_read_in_one_order_by_stored_columns(storage: Storage) -> None:
    """Found later but stored first: both reads give found_at, then ids (the physical order of the
    table, which PostgreSQL changes as rows move, is no order)."""
    await _claims(storage, ["a", "b", "c", "d", "x", "y"])
    await storage.claims.add_disputes([("y", "x", "{}")], T0 + timedelta(hours=2))
    await storage.claims.add_disputes([("d", "c", "{}"), ("a", "b", "{}")], T0 + timedelta(hours=1))
    expected = [("a", "b"), ("c", "d"), ("x", "y")]
    whole = await storage.claims.disputes()
    assert [(d.claim_id, d.other_id) for d in whole] == expected
    assert await storage.claim_reads.disputes_of(["a", "c", "x", "y"]) == whole
    assert await storage.claim_reads.disputes_of(["b"]) == whole[:1]
