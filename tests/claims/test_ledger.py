"""Ledger: merges across items and languages, dispute links, updates, stable ids, ranking."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.app import App
from bot.claims.query import ledger_claims, new_claims_since, query_claims, rank
from bot.i18n import dispute_text
from bot.ingest import RawArticle
from bot.model import Claim, DisputeCode
from bot.text.clean import clean_plain_text
from tests.conftest import FixedClock

LEDGER = Path(__file__).resolve().parent.parent / "data" / "claims" / "ledger"


def article(name: str, key: str, language: str) -> RawArticle:
    clean = clean_plain_text((LEDGER / name).read_text(encoding="utf-8"))
    return RawArticle(key=key, title=clean.title or key, text=clean.text,
                      url=f"https://example.org/{key}", language=language)


async def ingest(app: App, name: str, key: str, language: str = "en") -> str:
    source = await app.storage.sources.ensure("seed", f"seed:{key}", key, app.clock.now())
    _, status = await app.ingest.ingest_article(source, article(name, key, language))
    return status


def by_text(claims: list[Claim], needle: str) -> Claim:
    found = [c for c in claims if needle in c.text]
    assert len(found) == 1, [c.text for c in claims]
    return found[0]


async def snapshot(app: App) -> list[tuple[str, str, tuple[str, ...], tuple[str, ...]]]:
    claims = await ledger_claims(app.storage)
    return sorted((c.id, c.text, tuple(sorted(s.title for s in c.sources)),
                   tuple(sorted(c.disputes))) for c in claims)


async def test_three_items_over_two_days(app: App, clock: FixedClock) -> None:
    day1 = clock.now()
    assert await ingest(app, "a_wire_day1.txt", "a") == "new"
    clock.advance(hours=2)
    assert await ingest(app, "b_daily_day1.txt", "b") == "new"
    claims = await ledger_claims(app.storage)
    cost = by_text(claims, "final training run")
    assert len(cost.sources) == 2  # two items, one entry
    assert cost.first_seen == day1 and cost.last_seen == day1 + timedelta(hours=2)
    assert cost.evidence == "cited"  # one of the reports names the technical report
    wang_id = by_text(claims, "50,000").id

    clock.advance(days=1)
    day2 = clock.now()
    assert await ingest(app, "c_zeitung_day2.txt", "c", "de") == "new"
    claims = await ledger_claims(app.storage)
    wang = by_text(claims, "50,000")
    assert wang.id == wang_id  # the German report joined the English entry: same id
    assert {s.title for s in wang.sources} == {
        "Chinese start-up says AI model cost a fraction of US rivals",
        "Zweifel an den Kosten von DeepSeek",
    }
    assert wang.evidence == "none_given" and wang.last_seen == day2
    patel = by_text(claims, "500 Millionen")
    cost = by_text(claims, "final training run")
    assert cost.id in patel.disputes and patel.id in cost.disputes
    reason = patel.dispute_reasons[patel.disputes.index(cost.id)]
    assert reason.code == DisputeCode.FIGURE_DIFFERS and reason.subject == "cost"
    assert reason.same_item is False
    assert "cost" in dispute_text(reason, "en") and "another item" in dispute_text(reason, "en")
    assert "Kosten" in dispute_text(reason, "de") and "in einem anderen Artikel" in dispute_text(
        reason, "de")

    # the number of chips: 2,048 (DeepSeek) against 50,000 (Wang)
    assert wang.dispute_reasons[wang.disputes.index(cost.id)].subject == "compute"
    # ranking (bot.claims.query.score): Wang: disputed 4 + no evidence 3 + two sources 2 = 9;
    # cost: disputed twice 5 + two sources 2 = 7; Patel: disputed 4; Trump's quote: 0
    ranked = rank(claims)
    assert [c.id for c in ranked[:3]] == [wang.id, cost.id, patel.id]
    page = await query_claims(app.storage, status="disputed")
    assert [c.id for c in page.claims] == [wang.id, cost.id, patel.id]
    page2 = await query_claims(app.storage, per_page=2, page=2)
    assert page2.pages == -(-page2.total // 2) and len(page2.claims) == 2
    fresh = await new_claims_since(app.storage, day2)
    assert patel.id in {c.id for c in fresh} and cost.id not in {c.id for c in fresh}
    assert [c.id for c in (await query_claims(app.storage, claimant="Wang")).claims] == [wang.id]

    # an update replaces the item's claims without duplicates; ids stay
    before = {c.id for c in claims}
    clock.advance(hours=1)
    source = await app.storage.sources.ensure("seed", "seed:a", "a", clock.now())
    _, status = await app.ingest.ingest_article(
        source, article("a_wire_day2_update.txt", "a", "en"))
    assert status == "updated"
    after = await ledger_claims(app.storage)
    assert before < {c.id for c in after}
    assert len(after) == len(before) + 1  # only Nadella's new claim
    assert len(by_text(after, "final training run").sources) == 2

    # the same items again change nothing
    state = await snapshot(app)
    for name, key, lang in (("a_wire_day2_update.txt", "a", "en"), ("b_daily_day1.txt", "b", "en"),
                            ("c_zeitung_day2.txt", "c", "de")):
        assert await ingest(app, name, key, lang) == "unchanged"
    await app.ingest.run_hooks([1, 2, 3], clock.now())
    assert await snapshot(app) == state


async def test_ids_are_the_same_in_a_fresh_database(app: App, tmp_path: Path) -> None:
    import dataclasses

    from bot.app import build_app

    await ingest(app, "a_wire_day1.txt", "a")
    await ingest(app, "b_daily_day1.txt", "b")
    first = {c.id for c in await ledger_claims(app.storage)}
    config = dataclasses.replace(app.config, storage=dataclasses.replace(
        app.config.storage, database=tmp_path / "other.db"))
    other = await build_app(config, clock=FixedClock())
    try:
        await ingest(other, "a_wire_day1.txt", "a")
        await ingest(other, "b_daily_day1.txt", "b")
        assert {c.id for c in await ledger_claims(other.storage)} == first
    finally:
        await other.close()


async def test_seed_disputes(seeded_app: App) -> None:
    claims = await ledger_claims(seeded_app.storage)
    wang = by_text(claims, "50.000 Hopper H100")
    cheap = by_text(claims, "zweitklassiger Hardware")
    assert wang.claimant == "Alexandr Wang" and cheap.claimant is None
    assert cheap.id in wang.disputes
    reason = wang.dispute_reasons[wang.disputes.index(cheap.id)]
    assert reason.code == DisputeCode.DOUBT_MARKER and reason.marker == "in Wirklichkeit"
    assert reason.counterpart is None and reason.counterpart_text  # the article on the other side
    assert dispute_text(reason, "en").endswith(
        "Alexandr Wang doubts the article about DeepSeek (in Wirklichkeit) (same item)")
    assert dispute_text(reason, "de").endswith(
        "Alexandr Wang widerspricht dem Artikel zu DeepSeek („in Wirklichkeit“) (im selben Artikel)")
    page = await query_claims(seeded_app.storage, status="disputed")
    assert {wang.id, cheap.id} <= {c.id for c in page.claims}
    khosla = by_text(claims, "psychologische Kriegsführung")
    assert khosla.claimant == "Neal Khosla" and khosla.evidence == "none_given"
    assert khosla.id in {c.id for c in (await query_claims(seeded_app.storage,
                                                           status="no_evidence")).claims}
    before = await snapshot(seeded_app)
    await seeded_app.ingest.ingest_seeds(seeded_app.config.seeds.directory)
    assert await snapshot(seeded_app) == before


async def test_two_new_items_reporting_one_claim_in_one_step(app: App) -> None:
    """Both claims are new in the same ledger step and the first absorbs the second: the second,
    still queued, is skipped (it was visited as gone and failed the whole step before)."""
    texts = {"x": "Anna Berger said on Tuesday that the new plant in Leipzig will create 500 jobs "
                  "in the region by next year.",
             "y": "Anna Berger said on Tuesday that the new plant in Leipzig will create 500 jobs "
                  "in the whole region by next year."}
    ids = []
    for key, text in texts.items():
        source = await app.storage.sources.ensure("seed", f"seed:{key}", key, app.clock.now())
        item_id, _ = await app.ingest.ingest_article(
            source, RawArticle(key=key, title=key, text=text, language="en"), run_hooks=False)
        ids.append(item_id)
    before = await ledger_claims(app.storage)
    assert len([c for c in before if "500 jobs" in c.text]) == 2  # two ids, not merged yet
    await app.ingest.run_hooks(ids, app.clock.now())
    merged = by_text(await ledger_claims(app.storage), "500 jobs")
    assert len(merged.sources) == 2
    assert merged.id in {c.id for c in before}


async def test_two_claims_of_one_stored_item_stay_apart_when_one_is_reported_again(
        app: App) -> None:
    """Whether two claims share an item is asked of the store, not of items read into memory:
    two near-equal claims one stored item reports stay apart when a later item reports one of
    them again (that step's items do not include the stored one), while a third report of the
    same words from an item of its own joins one of them."""
    first = ("Anna Berger said on Tuesday that the new plant in Leipzig will create 500 jobs in "
             "the region by next year. Anna Berger said on Tuesday that the new plant in Leipzig "
             "will create 500 jobs in the whole region by next year.")
    again = ("Anna Berger said on Tuesday that the new plant in Leipzig will create 500 jobs in "
             "the whole region by next year.")
    for key, text in (("one", first), ("two", again)):
        source = await app.storage.sources.ensure("seed", f"seed:{key}", key, app.clock.now())
        await app.ingest.ingest_article(source, RawArticle(key=key, title=key, text=text,
                                                           language="en"))
    jobs = [c for c in await ledger_claims(app.storage) if "500 jobs" in c.text]
    assert len(jobs) == 2  # both of item "one": never one claim
    assert sorted(len(c.sources) for c in jobs) == [1, 2]
    source = await app.storage.sources.ensure("seed", "seed:three", "three", app.clock.now())
    await app.ingest.ingest_article(source, RawArticle(
        key="three", title="three", text="Anna Berger said on Tuesday that the new plant in "
        "Leipzig will create 500 jobs in the region by next spring.", language="en"))
    after = [c for c in await ledger_claims(app.storage) if "500 jobs" in c.text]
    assert len(after) == 2 and sum(len(c.sources) for c in after) == 4
