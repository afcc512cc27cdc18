"""Prepared answers (migration 11, ``bot.storage.digests``) on both backends: a row is kept and
replaced by its key, read back exactly, listed by what it was built with, and the newest item id
that decides whether it is current follows every new item."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.storage import Storage
from bot.storage.digests import PreparedRow
from bot.storage.items import NewItem

T0 = datetime(2025, 1, 27, 8, 0, tzinfo=UTC)


def _row(key: str, *, made_with: str = "m1", body: str = '{"a": "ä"}', prepared_at: int = 100,
         items_seen: int = 0) -> PreparedRow:
    return PreparedRow(key=key, kind="digest", params='{"topic": null}', body=body,
                       made_with=made_with, items_seen=items_seen, prepared_at=prepared_at,
                       valid_until=prepared_at + 900)


async def _item(storage: Storage, n: int) -> int:
    source = await storage.sources.ensure("feed", "http://127.0.0.1:9/feed", "f", T0)
    new = NewItem(key=f"k{n}", title=f"Item {n}", url=None, published=T0, language="en",
                  text=f"text {n}", content_hash=f"h{n}")
    item_id, _ = await storage.items.upsert(source.id, new, T0)
    return item_id


async def test_a_row_is_read_back_and_replaced_by_its_key(storage: Storage) -> None:
    assert await storage.answers.get("digest|all||en") is None
    first = _row("digest|all||en")
    await storage.answers.put(first)
    assert await storage.answers.get("digest|all||en") == first
    second = _row("digest|all||en", body='{"b": 2}', prepared_at=200, items_seen=7)
    await storage.answers.put(second)
    assert await storage.answers.get("digest|all||en") == second
    assert await storage.answers.get("digest|all||de") is None


async def test_rows_are_listed_by_what_built_them_newest_first_and_others_dropped(
        storage: Storage) -> None:
    await storage.answers.put(_row("a", prepared_at=100))
    await storage.answers.put(_row("b", prepared_at=300))
    await storage.answers.put(_row("c", prepared_at=200, made_with="m0"))
    assert [r.key for r in await storage.answers.rows("m1", 10)] == ["b", "a"]
    assert [r.key for r in await storage.answers.rows("m1", 1)] == ["b"]
    await storage.answers.drop_other("m1")
    assert await storage.answers.get("c") is None
    assert [r.key for r in await storage.answers.rows("m1", 10)] == ["b", "a"]


async def test_the_newest_item_follows_every_new_item(storage: Storage) -> None:
    assert await storage.answers.newest_item() == 0
    first = await _item(storage, 1)
    assert await storage.answers.newest_item() == first
    second = await _item(storage, 2)
    assert second > first
    assert await storage.answers.newest_item() == second
