"""Grouping items about the same event into stories, across feeds and across German and English.

Two items tell the same story when they share *distinctive* evidence: exact amounts (5.6 million is
5,6 Millionen), product codes (H20), names, and content words, each weighted by how rare it is in the
batch, so that the topic's own vocabulary ("DeepSeek", "KI") does not glue every item together. Items
far apart in time need more evidence. Clustering is average-link, which keeps look-alike events (same
company, different news) apart where single-link would chain them.
"""

from __future__ import annotations

import hashlib
import heapq
import inspect
import math
import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from bot.model import Item, Link, Story
from bot.text import entities, lexicon
from bot.text.entities import codes, find_figures, is_entity_token, name_tokens
from bot.text.lexicon import STOPWORDS, words

THRESHOLD = 0.24
KEYS_VERSION = "1"  # bump when ``features``/``keys`` change: stored item keys are rebuilt
_MEMO_SIZE = 8192
_TOKEN = re.compile(r"[^\W\d_][\w\-]*", re.UNICODE)
_SCALES = {
    "tausend": 1e3, "thousand": 1e3, "k": 1e3,
    "millionen": 1e6, "million": 1e6, "mio": 1e6, "mio.": 1e6, "m": 1e6, "mn": 1e6,
    "milliarden": 1e9, "billion": 1e9, "mrd": 1e9, "mrd.": 1e9, "bn": 1e9,
    "billionen": 1e12, "trillion": 1e12,
}
# Dates say when, not what: "Monday" must not make two events one.
_CALENDAR = words(
    "monday tuesday wednesday thursday friday saturday sunday montag dienstag mittwoch donnerstag "
    "freitag samstag sonntag january february march april june july august september october "
    "november december januar februar marz juni juli oktober dezember today yesterday heute "
    "gestern"
)
# Names that differ between German and English news; everything else is compared by spelling.
_BILINGUAL = {
    "italien": "italy", "deutschland": "germany", "frankreich": "france", "spanien": "spain",
    "südkorea": "south-korea", "japan": "japan", "indien": "india", "russland": "russia",
    "europa": "europe", "europäische": "european", "peking": "beijing", "australien": "australia",
    "taiwan": "taiwan", "vereinigte": "united", "weißes": "white", "marine": "navy",
    "kongress": "congress", "regierung": "government", "aktie": "shares", "aktien": "shares",
    "datenschutz": "privacy", "datenschutzbehörde": "privacy", "weckruf": "wake-up",
    "sperrt": "blocks", "gesperrt": "blocked", "verbietet": "bans", "verbot": "ban",
    "destillation": "distillation", "italienische": "italy", "amerikanische": "american",
    "chinesische": "chinese", "chinesischen": "chinese", "börsenwert": "market-value",
    "unternehmen": "company", "modell": "model", "modelle": "models", "sicherheit": "security",
    "präsident": "president", "neujahrsfests": "new-year", "preise": "prices",
}


@dataclass(frozen=True)
class Features:
    numbers: frozenset[str]
    codes: frozenset[str]
    names: frozenset[str]
    words: frozenset[str]


@dataclass
class Cluster:
    items: list[Item] = field(default_factory=list)

    @property
    def first_seen(self) -> datetime:
        return min(_when(i) for i in self.items)

    @property
    def latest(self) -> datetime:
        return max(_when(i) for i in self.items)


def features(item: Item) -> Features:
    """What an item is about, in forms that compare across feeds and languages."""
    lead = item.title + "\n" + item.text[:1200] + "\n" + " ".join(item.bullets)
    numbers = frozenset(_number_key(f.value, f.number, item.language)
                        for f in find_figures(lead, item.language))
    found_codes = frozenset(c.casefold() for c in codes(lead))
    names = set()
    pairs = name_tokens(lead)
    stop = STOPWORDS.get(item.language, STOPWORDS["en"])
    words = set()
    for i, tok in enumerate(_TOKEN.findall(lead)):
        low = _fold(tok)
        if low in stop or len(low) < 3:
            continue
        low = _BILINGUAL.get(low, low)
        if low in _CALENDAR:
            continue
        if is_entity_token(tok) or tok in pairs or (item.language == "en" and tok[0].isupper()
                                                    and i > 0):
            names.add(low)
        words.add(low[:6])  # a crude stem: "blocks"/"blocked", "Aktien"/"Aktie"
        if "-" in low:
            words.update(_BILINGUAL.get(p, p)[:6] for p in low.split("-") if len(p) > 2)
    return Features(numbers, found_codes, frozenset(names), frozenset(words))


def _fold(token: str) -> str:
    text = unicodedata.normalize("NFKD", token.casefold())
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def _number_key(value: str, number: float, language: str) -> str:
    """'5,6 Millionen Dollar' and '$5.6 million' give the same key; percentages keep a '%'."""
    low = value.casefold()
    scale = next((v for k, v in _SCALES.items() if re.search(rf"(?<![\w]){re.escape(k)}(?!\w)",
                                                              low)), 1.0)
    percent = "%" if ("%" in low or "prozent" in low or "percent" in low) else ""
    return f"{number * scale:.4g}{percent}"


def _when(item: Item) -> datetime:
    return item.published or item.ingested_at


_KIND_WEIGHT = {"n": 4.0, "c": 2.0, "p": 1.5, "w": 1.0}


def keys(f: Features) -> frozenset[str]:
    return frozenset(
        [f"n:{k}" for k in f.numbers] + [f"c:{k}" for k in f.codes]
        + [f"p:{k}" for k in f.names] + [f"w:{k}" for k in f.words]
    )


def _memo_key(item: Item) -> tuple[str, str, str, tuple[str, ...]]:
    # exactly what ``features`` reads, so a remembered value is the computed one
    return (item.language, item.title, item.text[:1200], item.bullets)


class StoryMemo:
    """Story keys and groupings already computed, owned by the app (``bot.app.build_app``) so
    that nothing is cached per process: ingest stores the keys once per item, commands seed this
    memo from the stored keys (``remember``) instead of re-reading texts, and repeated digests
    over an unchanged window reuse their grouping."""

    def __init__(self) -> None:
        self.keys: dict[tuple[str, str, str, tuple[str, ...]], frozenset[str]] = {}
        self.groups: dict[object, list[list[int]]] = {}

    def remember(self, item: Item, item_keys_: frozenset[str]) -> None:
        if len(self.keys) >= _MEMO_SIZE:
            for old in list(self.keys)[: _MEMO_SIZE // 4]:  # oldest first: insertion order
                self.keys.pop(old, None)
        self.keys[_memo_key(item)] = item_keys_

    def is_remembered(self, item: Item) -> bool:
        return _memo_key(item) in self.keys

    def remember_groups(self, key: object, groups: list[list[int]]) -> None:
        if len(self.groups) >= 16:
            self.groups.pop(next(iter(self.groups)), None)
        self.groups[key] = groups


def item_keys(item: Item, memo: StoryMemo | None = None) -> frozenset[str]:
    """``keys(features(item))``, from ``memo`` when it has them (else computed, and kept there)."""
    if memo is None:
        return keys(features(item))
    found = memo.keys.get(_memo_key(item))
    if found is None:
        found = keys(features(item))
        memo.remember(item, found)
    return found


@lru_cache(maxsize=1)
def keys_fingerprint() -> str:
    """What stored item keys were built with: this version plus the sources of the code that
    computes them (entities and lexicons change under other hands), so stale keys are rebuilt,
    never used."""
    digest = hashlib.sha256(KEYS_VERSION.encode())
    for module in (entities, lexicon, sys.modules[__name__]):
        try:
            digest.update(inspect.getsource(module).encode("utf-8"))
        except (OSError, TypeError):
            digest.update(module.__name__.encode())
    return digest.hexdigest()[:16]


def similarity(
    a: frozenset[str], b: frozenset[str], idf: dict[str, float], hours_apart: float = 0.0
) -> float:
    """Cosine of the two weighted key sets in [0, 1]: an amount or a code both items give counts
    four or two times a shared word, and every key counts by its rarity in the batch."""

    def w(k: str) -> float:
        return _KIND_WEIGHT[k[0]] * idf.get(k, 1.0)

    shared = sum(w(k) for k in a & b)
    if not shared:
        return 0.0
    result = shared / math.sqrt(sum(w(k) for k in a) * sum(w(k) for k in b))
    mine = {k for k in a if k[0] == "n"}
    theirs = {k for k in b if k[0] == "n"}
    if mine and theirs and not mine & theirs:
        result *= 0.75  # both give amounts and none agrees: "fell 17%" is not "rose 8.9%"
    if hours_apart > 36:
        result *= 36 / hours_apart  # the same words days later are usually a new event
    return result


def similarities(
    rows: Sequence[frozenset[str]], cols: Sequence[frozenset[str]], idf: dict[str, float]
) -> list[list[float]]:
    """``similarity(row, col, idf)`` for every pair, each set's total weight computed once."""

    def w(k: str) -> float:
        return _KIND_WEIGHT[k[0]] * idf.get(k, 1.0)

    def total(keys_: frozenset[str]) -> float:
        return sum(w(k) for k in keys_)

    col_totals = [total(c) for c in cols]
    col_amounts = [{k for k in c if k[0] == "n"} for c in cols]
    out = []
    for a in rows:
        a_total = total(a)
        mine = {k for k in a if k[0] == "n"}
        line = []
        for b, b_total, theirs in zip(cols, col_totals, col_amounts, strict=True):
            shared = sum(w(k) for k in a & b)
            if not shared:
                line.append(0.0)
                continue
            result = shared / math.sqrt(a_total * b_total)
            if mine and theirs and not mine & theirs:
                result *= 0.75
            line.append(result)
        out.append(line)
    return out


def cluster(
    items: Sequence[Item], threshold: float = THRESHOLD, memo: StoryMemo | None = None
) -> list[Cluster]:
    """Average-link agglomerative clustering; deterministic for the same items.

    Only pairs sharing a key are compared (an inverted index), and merged clusters add up their
    similarity sums, so a busy day of a few hundred items stays fast. The grouping of the last
    few item sets is remembered (keyed by everything it depends on: ids, times, the text that
    features read) in ``memo``, so repeated digests and briefings over an unchanged window do not
    redo it.
    """
    ordered = sorted(items, key=lambda i: (_when(i), i.id))
    memo_key = (threshold, tuple((i.id, _when(i), _memo_key(i)) for i in ordered))
    groups = memo.groups.get(memo_key) if memo is not None else None
    if groups is None:
        groups = _groups(ordered, threshold, memo)
        if memo is not None:
            memo.remember_groups(memo_key, groups)
    return [Cluster([ordered[i] for i in g]) for g in groups]


def _groups(ordered: Sequence[Item], threshold: float, memo: StoryMemo | None) -> list[list[int]]:
    """Indices into ``ordered`` of each cluster, by its first member."""
    return _merge(_links(ordered, memo), threshold)


def _links(ordered: Sequence[Item], memo: StoryMemo | None) -> list[dict[int, float]]:
    """links[a][b]: the similarity of items a and b (both directions; absent when 0)."""
    feats = [item_keys(i, memo) for i in ordered]
    df: Counter[str] = Counter()
    for f in feats:
        df.update(f)
    n = max(len(ordered), 1)
    idf = {k: math.log(1 + n / c) for k, c in df.items()}
    weight = {k: _KIND_WEIGHT[k[0]] * v for k, v in idf.items()}  # similarity's w(k), once
    totals = [sum(map(weight.__getitem__, f)) for f in feats]
    amounts = [frozenset(k for k in f if k[0] == "n") for f in feats]
    whens = [_when(i) for i in ordered]
    rare = max(8, n // 8)
    index: dict[str, list[int]] = {}
    for i, f in enumerate(feats):
        for k in f:
            index.setdefault(k, []).append(i)
    # links[a][b]: total similarity between the members of clusters a and b (both directions)
    links: list[dict[int, float]] = [{} for _ in ordered]
    for i, f in enumerate(feats):
        # candidates share a rarer key; pairs sharing only common words never reach the threshold
        neighbours = {j for k in f if df[k] <= rare for j in index[k] if j > i}
        for j in sorted(neighbours):
            shared = sum(map(weight.__getitem__, f & feats[j]))  # C-level loop, same order
            if not shared:
                continue
            # as ``similarity``, with each item's total weight computed once
            value = shared / math.sqrt(totals[i] * totals[j])
            if amounts[i] and amounts[j] and not amounts[i] & amounts[j]:
                value *= 0.75
            hours = abs((whens[i] - whens[j]).total_seconds()) / 3600
            if hours > 36:
                value *= 36 / hours
            if value > 0:
                links[i][j] = links[j][i] = value
    return links


def _merge(links: list[dict[int, float]], threshold: float) -> list[list[int]]:
    """Average-link clustering of the linked items; ``links`` becomes the clusters' links."""
    members: dict[int, list[int]] = {i: [i] for i in range(len(links))}
    # best pair first: highest average, then smallest ids (a max-heap of (avg, -a, -b)); entries
    # made stale by a merge are skipped when their average no longer matches
    heap = [(-v, i, j) for i in range(len(links)) for j, v in links[i].items()
            if j > i and v >= threshold]
    heapq.heapify(heap)
    while heap:
        negative, a, b = heapq.heappop(heap)
        if a not in members or b not in members or b not in links[a]:
            continue
        if links[a][b] / (len(members[a]) * len(members[b])) != -negative:
            continue
        members[a] = sorted(members[a] + members.pop(b))
        del links[a][b]
        for x, total in links[b].items():
            if x == a:
                continue
            del links[x][b]
            merged = links[a].get(x, 0.0) + total
            links[a][x] = links[x][a] = merged
        links[b] = {}
        for x, total in links[a].items():
            avg = total / (len(members[a]) * len(members[x]))
            if avg >= threshold:
                heapq.heappush(heap, (-avg, min(a, x), max(a, x)))
    return [g for _, g in sorted(members.items())]


def to_story(c: Cluster, language: str, *, max_bullets: int = 2) -> Story:
    """Headline and bullets from one source, preferably in the bot's language; all sources listed
    with their own titles and links."""
    lead = next((i for i in c.items if i.language == language and i.bullets), None) or next(
        (i for i in c.items if i.bullets), c.items[0])  # same rule as digest.lead_item
    sources = tuple(Link(i.title, i.url, i.published) for i in c.items)
    return Story(
        headline=lead.title,
        bullets=tuple(lead.bullets[:max_bullets]),
        first_seen=c.first_seen,
        sources=sources,
        language=lead.language,
    )


def pairs_of(groups: Sequence[Sequence[int]]) -> set[tuple[int, int]]:
    """Unordered same-story pairs of ids: what precision and recall are measured on."""
    out: set[tuple[int, int]] = set()
    for g in groups:
        ids = sorted(g)
        out.update((a, b) for k, a in enumerate(ids) for b in ids[k + 1:])
    return out
