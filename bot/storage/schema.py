"""Versioned schema. Each migration moves the schema version (``PRAGMA user_version`` on SQLite)
from its index to index + 1.

Append new migrations at the end; never edit one that has shipped. The statements are portable SQL
(no ``AUTOINCREMENT``, no ``WITHOUT ROWID``), so that every engine applies the same list.
"""

from __future__ import annotations

from collections.abc import Mapping

# A migration is one script for every dialect, or {dialect: script} where they must differ.
Migration = str | Mapping[str, str]

MIGRATIONS: list[Migration] = [
    # 1: the foundation
    """
    CREATE TABLE sources (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('seed', 'feed')),
        url TEXT NOT NULL UNIQUE,            -- feed URL, or seed:<file name>
        name TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        etag TEXT,
        last_modified TEXT,
        last_success TEXT,
        last_error TEXT,
        last_error_at TEXT,
        consecutive_failures INTEGER NOT NULL DEFAULT 0,
        next_poll TEXT,
        polls INTEGER NOT NULL DEFAULT 0,
        warning TEXT
    );
    CREATE TABLE items (
        id INTEGER PRIMARY KEY,
        source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        key TEXT NOT NULL UNIQUE,            -- identity: guid, canonical link, or title+date
        title TEXT NOT NULL,
        url TEXT,
        published TEXT,
        ingested_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        language TEXT NOT NULL,
        text TEXT NOT NULL,                  -- clean body
        teaser TEXT,                         -- the feed's own summary, kept beside full text
        content_hash TEXT NOT NULL,
        bullets TEXT NOT NULL DEFAULT '[]',  -- JSON list of summary bullets
        sentences TEXT NOT NULL DEFAULT '[]',-- JSON list of [start, end]
        figures TEXT NOT NULL DEFAULT '[]',  -- JSON list of {value, measures, source}
        digest_eligible INTEGER NOT NULL DEFAULT 1
    );
    CREATE INDEX items_ingested ON items(ingested_at);
    CREATE INDEX items_published ON items(published);
    CREATE TABLE claims (
        id TEXT PRIMARY KEY,                 -- stable: hash of claimant + normalized message
        claimant TEXT,
        text TEXT NOT NULL,
        kind TEXT NOT NULL,
        cue TEXT,
        hedged INTEGER NOT NULL,
        hedges TEXT NOT NULL DEFAULT '[]',
        evidence TEXT NOT NULL,
        figures TEXT NOT NULL DEFAULT '[]',
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL
    );
    CREATE TABLE claim_mentions (
        claim_id TEXT NOT NULL REFERENCES claims(id) ON DELETE CASCADE,
        item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        message_start INTEGER NOT NULL,
        message_end INTEGER NOT NULL,
        claimant_start INTEGER,
        claimant_end INTEGER,
        cue_start INTEGER,
        cue_end INTEGER,
        seen_at TEXT NOT NULL,
        PRIMARY KEY (claim_id, item_id)
    );
    CREATE INDEX claim_mentions_item ON claim_mentions(item_id);
    CREATE TABLE claim_disputes (
        claim_id TEXT NOT NULL REFERENCES claims(id) ON DELETE CASCADE,
        other_id TEXT NOT NULL REFERENCES claims(id) ON DELETE CASCADE,
        reason TEXT NOT NULL,
        found_at TEXT NOT NULL,
        PRIMARY KEY (claim_id, other_id)
    );
    CREATE TABLE stories (
        id TEXT PRIMARY KEY,
        headline TEXT NOT NULL,
        first_seen TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE story_items (
        story_id TEXT NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
        item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
        PRIMARY KEY (story_id, item_id)
    );
    CREATE TABLE subscriptions (
        id TEXT PRIMARY KEY,                 -- cfg:<hash> for [[digests]], sub:<hash> for /subscribe
        platform TEXT NOT NULL,
        channel TEXT NOT NULL,
        time TEXT NOT NULL,
        timezone TEXT NOT NULL,
        topic TEXT,
        quiet TEXT NOT NULL DEFAULT 'line',
        origin TEXT NOT NULL CHECK (origin IN ('config', 'command')),
        created_by TEXT,
        created_at TEXT NOT NULL,
        disabled_reason TEXT,
        disabled_at TEXT
    );
    CREATE TABLE deliveries (
        subscription_id TEXT NOT NULL,
        slot TEXT NOT NULL,                  -- the subscription's local date, YYYY-MM-DD
        state TEXT NOT NULL,                 -- claimed, sent, skipped, failed
        owner TEXT,
        lease_expires TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        message_id TEXT,
        last_error TEXT,
        window_since TEXT,
        window_until TEXT,
        claimed_at TEXT NOT NULL,
        finished_at TEXT,
        possible_duplicate INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (subscription_id, slot)
    );
    """,
    # 2: data prepared at ingest, so that commands only read
    """
    CREATE TABLE meta (                      -- fingerprints of what derived tables were built with
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE item_topics (               -- configured topics an item matches, with its score
        item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
        topic TEXT NOT NULL,
        score INTEGER NOT NULL,
        PRIMARY KEY (topic, item_id)
    );
    CREATE INDEX item_topics_item ON item_topics(item_id);
    CREATE TABLE item_features (             -- story keys (bot.briefing.stories), JSON list
        item_id INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
        keys TEXT NOT NULL
    );
    CREATE TABLE claim_keys (                -- what a claim can be compared on (bot.claims.ledger)
        key TEXT NOT NULL,
        claim_id TEXT NOT NULL REFERENCES claims(id) ON DELETE CASCADE,
        PRIMARY KEY (key, claim_id)
    );
    CREATE INDEX claim_keys_claim ON claim_keys(claim_id);
    CREATE INDEX claim_disputes_other ON claim_disputes(other_id);
    """,
    # 3: an item's identity is (source, key): a feed can never overwrite another feed's item (the
    # same article from two feeds is two items of one story); the first poll that parsed a feed is
    # stored, so the no-flood rule of a first poll survives restarts and 304 answers; claims keep
    # their insertion order in ``seq`` (the ledger's tie-break) instead of SQLite's rowid.
    {
        # SQLite cannot drop a column's UNIQUE: the table is rebuilt (foreign keys are off while
        # migrations run, so dropping the old table cascades nowhere)
        "sqlite": """
        CREATE TABLE items_new (
            id INTEGER PRIMARY KEY,
            source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
            key TEXT NOT NULL,                   -- identity within the source
            title TEXT NOT NULL,
            url TEXT,
            published TEXT,
            ingested_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            language TEXT NOT NULL,
            text TEXT NOT NULL,
            teaser TEXT,
            content_hash TEXT NOT NULL,
            bullets TEXT NOT NULL DEFAULT '[]',
            sentences TEXT NOT NULL DEFAULT '[]',
            figures TEXT NOT NULL DEFAULT '[]',
            digest_eligible INTEGER NOT NULL DEFAULT 1
        );
        INSERT INTO items_new SELECT id, source_id, key, title, url, published, ingested_at,
            updated_at, language, text, teaser, content_hash, bullets, sentences, figures,
            digest_eligible FROM items;
        DROP TABLE items;
        ALTER TABLE items_new RENAME TO items;
        CREATE UNIQUE INDEX items_source_key ON items(source_id, key);
        CREATE INDEX items_ingested ON items(ingested_at);
        CREATE INDEX items_published ON items(published);
        ALTER TABLE sources ADD COLUMN first_parsed TEXT;
        UPDATE sources SET first_parsed =
            (SELECT MIN(ingested_at) FROM items WHERE items.source_id = sources.id);
        ALTER TABLE claims ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
        UPDATE claims SET seq = rowid;
        CREATE INDEX claims_seq ON claims(seq);
        """,
        "postgresql": """
        ALTER TABLE items DROP CONSTRAINT items_key_key;
        CREATE UNIQUE INDEX items_source_key ON items(source_id, key);
        ALTER TABLE sources ADD COLUMN first_parsed TEXT;
        UPDATE sources SET first_parsed =
            (SELECT MIN(ingested_at) FROM items WHERE items.source_id = sources.id);
        ALTER TABLE claims ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
        CREATE INDEX claims_seq ON claims(seq);
        """,
    },
    # 4: what a community (Discord server, Slack workspace) chose for itself: its language
    """
    CREATE TABLE community_settings (
        platform TEXT NOT NULL,
        community_id TEXT NOT NULL,
        language TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (platform, community_id)
    );
    """,
    # 5: feeds and subscriptions per community. A source is fetched once however many communities
    # follow it; ``feed_owners`` says who follows it under which name ("discord:<guild>",
    # "slack:<team>", "console", or "*": shared, from an OPML import without --community). Feeds
    # of the config file have no owner row. ``subscriptions.community`` counts a community's
    # subscriptions against its limit.
    """
    CREATE TABLE feed_owners (
        source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        community TEXT NOT NULL,
        name TEXT NOT NULL,
        added_by TEXT,
        added_at TEXT NOT NULL,
        PRIMARY KEY (community, source_id)
    );
    CREATE UNIQUE INDEX feed_owners_name ON feed_owners(community, name);
    CREATE INDEX feed_owners_source ON feed_owners(source_id);
    ALTER TABLE subscriptions ADD COLUMN community TEXT;
    """,
    # 6: live subscriptions beside digests. A subscription gets a mode and a route (feeds, include,
    # exclude, the live keys); ``live_queue`` holds items stored or retitled by a poll after the
    # feed's first successful parse (filled by the ingest hook of bot.delivery.live); ``live_posts``
    # is the live delivery log, one row per (platform, channel, post key): the key is the item's
    # canonical link (or source + identity), so the same article from two feeds is claimed once
    # per channel, and a retitled item gets its own key ("<key>#<title hash>") and post.
    """
    ALTER TABLE subscriptions ADD COLUMN mode TEXT NOT NULL DEFAULT 'digest';
    ALTER TABLE subscriptions ADD COLUMN feeds TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE subscriptions ADD COLUMN include_words TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE subscriptions ADD COLUMN exclude_words TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE subscriptions ADD COLUMN batch_minutes INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE subscriptions ADD COLUMN max_posts_per_hour INTEGER NOT NULL DEFAULT 20;
    ALTER TABLE subscriptions ADD COLUMN thread INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE subscriptions ADD COLUMN mention TEXT;
    CREATE TABLE live_queue (
        item_id INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
        source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        title TEXT NOT NULL,                 -- the title when queued (a retitle re-queues)
        queued_at TEXT NOT NULL
    );
    CREATE INDEX live_queue_queued ON live_queue(queued_at);
    CREATE TABLE live_posts (
        platform TEXT NOT NULL,
        channel TEXT NOT NULL,
        post_key TEXT NOT NULL,              -- canonical link or source:identity, '#title hash' for updates
        subscription_id TEXT NOT NULL,
        item_id INTEGER NOT NULL,            -- no foreign key: the log outlives pruned items
        title TEXT NOT NULL,
        is_update INTEGER NOT NULL DEFAULT 0,
        batch TEXT NOT NULL,                 -- the message this row goes out in
        state TEXT NOT NULL,                 -- claimed, sent, failed
        owner TEXT,
        lease_expires TEXT,
        maybe_posted INTEGER NOT NULL DEFAULT 0,  -- a publish call started and its outcome is unknown
        attempts INTEGER NOT NULL DEFAULT 0,
        message_id TEXT,
        last_error TEXT,
        claimed_at TEXT NOT NULL,
        finished_at TEXT,
        PRIMARY KEY (platform, channel, post_key)
    );
    CREATE INDEX live_posts_batch ON live_posts(batch);
    CREATE INDEX live_posts_sub ON live_posts(subscription_id, finished_at);
    """,
    # 7: several workers on one database. A feed due for polling is leased (lease_owner until
    # lease_until) by one worker, which records itself in polled_by; ``leases`` holds named leases
    # (the gateway leader on SQLite, where there are no advisory locks). Additive only.
    """
    ALTER TABLE sources ADD COLUMN lease_owner TEXT;
    ALTER TABLE sources ADD COLUMN lease_until TEXT;
    ALTER TABLE sources ADD COLUMN polled_by TEXT;
    CREATE INDEX sources_next_poll ON sources(next_poll);
    CREATE TABLE leases (
        name TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        expires TEXT NOT NULL
    );
    """,
    # 8: stories kept at ingest (bot.briefing.stories.assign_story). ``story_keys`` is the inverted
    # index of items' story keys with their time (seconds since the epoch: publication, else
    # ingest), so a new item finds the items it may share a story with by key and time range;
    # ``story_items`` holds each item's one story with the same time. Additive only: the stories
    # of items stored before are placed at start (bot.ingest.prepare_storage).
    """
    CREATE TABLE story_keys (
        key TEXT NOT NULL,
        at INTEGER NOT NULL,
        item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
        PRIMARY KEY (key, at, item_id)
    );
    CREATE INDEX story_keys_item ON story_keys(item_id);
    ALTER TABLE story_items ADD COLUMN at INTEGER NOT NULL DEFAULT 0;
    CREATE UNIQUE INDEX story_items_item ON story_items(item_id);
    CREATE INDEX story_items_at ON story_items(at);
    CREATE INDEX story_items_story ON story_items(story_id, at);
    """,
    # 9: claims ranked at ingest for each audience (bot.claims.ranks), so /claims, the top claims
    # of a topic and the digest's new claims are index walks with a LIMIT. ``scope`` is '' for
    # what every community reads, and a community key ("discord:<guild>") or '*' (the operator)
    # for the claims whose rank differs there (an overlay: a community's view is its rows and the
    # '' rows of every other claim). ``claim_rank_refs`` keeps the items and sources a rank was
    # computed from (visibility by source id without a join), ``claim_rank_partners`` its dispute
    # partners (a partner's change re-ranks it). No foreign keys: a claim merged away leaves rows
    # the next ledger step finds and removes. Additive only.
    """
    CREATE TABLE claim_ranks (
        scope TEXT NOT NULL,
        claim_id TEXT NOT NULL,
        score DOUBLE PRECISION NOT NULL,     -- bot.claims.query.score, as the ledger ranks
        last_seen TEXT NOT NULL,
        first_seen TEXT NOT NULL,
        claimant TEXT,
        disputed INTEGER NOT NULL,
        no_evidence INTEGER NOT NULL,
        hedged INTEGER NOT NULL,
        sources INTEGER NOT NULL,            -- the links the scope's readers see
        stamp TEXT NOT NULL,                 -- a hash of the claim's ledger entry when ranked
        PRIMARY KEY (scope, claim_id)
    );
    CREATE INDEX claim_ranks_order ON claim_ranks(scope, score DESC, last_seen DESC,
        first_seen DESC, claim_id);
    CREATE INDEX claim_ranks_disputed ON claim_ranks(scope, disputed, score DESC,
        last_seen DESC, first_seen DESC, claim_id);
    CREATE INDEX claim_ranks_no_evidence ON claim_ranks(scope, no_evidence, score DESC,
        last_seen DESC, first_seen DESC, claim_id);
    CREATE INDEX claim_ranks_hedged ON claim_ranks(scope, hedged, score DESC, last_seen DESC,
        first_seen DESC, claim_id);
    CREATE INDEX claim_ranks_claimant ON claim_ranks(scope, claimant);
    CREATE INDEX claim_ranks_first_seen ON claim_ranks(scope, first_seen);
    CREATE INDEX claim_ranks_claim ON claim_ranks(claim_id);
    CREATE TABLE claim_rank_topics (
        scope TEXT NOT NULL,
        topic TEXT NOT NULL,                 -- a configured topic name
        claim_id TEXT NOT NULL,
        score DOUBLE PRECISION NOT NULL,
        last_seen TEXT NOT NULL,
        first_seen TEXT NOT NULL,
        PRIMARY KEY (scope, topic, claim_id)
    );
    CREATE INDEX claim_rank_topics_order ON claim_rank_topics(scope, topic, score DESC,
        last_seen DESC, first_seen DESC, claim_id);
    CREATE INDEX claim_rank_topics_claim ON claim_rank_topics(claim_id);
    CREATE TABLE claim_rank_refs (
        claim_id TEXT NOT NULL,
        item_id INTEGER NOT NULL,
        source_id INTEGER NOT NULL,
        url TEXT,
        PRIMARY KEY (claim_id, item_id)
    );
    CREATE INDEX claim_rank_refs_item ON claim_rank_refs(item_id);
    CREATE INDEX claim_rank_refs_source ON claim_rank_refs(source_id);
    CREATE TABLE claim_rank_partners (
        claim_id TEXT NOT NULL,
        other_id TEXT NOT NULL,
        PRIMARY KEY (claim_id, other_id)
    );
    CREATE INDEX claim_rank_partners_other ON claim_rank_partners(other_id);
    """,
    # 10: reads at ingest that do not grow with the store. A claim's first position among its
    # mentions in one index lookup (the order the ledger stores dispute links in,
    # ``ClaimStore.list_order``), instead of a walk over every item that reports it (a claim of a
    # common text has thousands). ``story_key_hours``: how many items have a story key in each
    # hour (epoch seconds // 3600, rounded down before 1970 too), so that a new item counts its
    # keys' items within its window from the window's hours instead of from every item in it
    # (``StoryStore.key_counts``); kept by ``StoryStore`` beside ``story_keys``, filled here from
    # the keys stored before. Additive only.
    """
    CREATE INDEX claim_mentions_position ON claim_mentions(claim_id, position);
    CREATE TABLE story_key_hours (
        key TEXT NOT NULL,
        hour INTEGER NOT NULL,
        items INTEGER NOT NULL,
        PRIMARY KEY (key, hour)
    );
    INSERT INTO story_key_hours (key, hour, items)
        SELECT key, (at - (at % 3600 + 3600) % 3600) / 3600, COUNT(*) FROM story_keys
        GROUP BY key, (at - (at % 3600 + 3600) % 3600) / 3600;
    """,
    # 11: prepared digests and topic briefings (bot.storage.digests)
    """
    CREATE TABLE prepared_answers (
        key TEXT PRIMARY KEY,                -- kind, audience, topic, language
        kind TEXT NOT NULL,                  -- digest | briefing
        params TEXT NOT NULL,                -- JSON: sources, topic, language
        body TEXT NOT NULL,                  -- JSON: the answer as codes and data, no words
        made_with TEXT NOT NULL,             -- configuration and code fingerprint
        items_seen INTEGER NOT NULL,         -- the newest item id when built
        prepared_at INTEGER NOT NULL,        -- seconds since the epoch
        valid_until INTEGER NOT NULL         -- seconds since the epoch
    );
    CREATE INDEX prepared_answers_made ON prepared_answers(made_with, prepared_at);
    """,
    # 12: a claim's rank rows go with the claim (ON DELETE CASCADE), so a ranked
    # read needs no check that each row's claim still exists (a merge or a prune deletes them at
    # once, on both backends); ``shadows`` marks the overlay rows that stand in for a '' row (a
    # community's count is the '' rows' plus its own less those, without a join). The rows are
    # derived: the tables are made anew and filled again at the next start
    # (``ClaimAnswers.prepare``; the stored marker is dropped).
    """
    DROP TABLE claim_rank_topics;
    DROP TABLE claim_ranks;
    CREATE TABLE claim_ranks (
        scope TEXT NOT NULL,
        claim_id TEXT NOT NULL REFERENCES claims(id) ON DELETE CASCADE,
        score DOUBLE PRECISION NOT NULL,
        last_seen TEXT NOT NULL,
        first_seen TEXT NOT NULL,
        claimant TEXT,
        disputed INTEGER NOT NULL,
        no_evidence INTEGER NOT NULL,
        hedged INTEGER NOT NULL,
        sources INTEGER NOT NULL,
        stamp TEXT NOT NULL,
        shadows INTEGER NOT NULL,            -- an overlay row whose claim has a '' row too
        PRIMARY KEY (scope, claim_id)
    );
    CREATE INDEX claim_ranks_order ON claim_ranks(scope, score DESC, last_seen DESC,
        first_seen DESC, claim_id);
    CREATE INDEX claim_ranks_disputed ON claim_ranks(scope, disputed, score DESC,
        last_seen DESC, first_seen DESC, claim_id);
    CREATE INDEX claim_ranks_no_evidence ON claim_ranks(scope, no_evidence, score DESC,
        last_seen DESC, first_seen DESC, claim_id);
    CREATE INDEX claim_ranks_hedged ON claim_ranks(scope, hedged, score DESC, last_seen DESC,
        first_seen DESC, claim_id);
    CREATE INDEX claim_ranks_claimant ON claim_ranks(scope, claimant);
    CREATE INDEX claim_ranks_first_seen ON claim_ranks(scope, first_seen);
    CREATE INDEX claim_ranks_claim ON claim_ranks(claim_id);
    CREATE INDEX claim_ranks_shadows ON claim_ranks(scope, shadows);
    CREATE TABLE claim_rank_topics (
        scope TEXT NOT NULL,
        topic TEXT NOT NULL,
        claim_id TEXT NOT NULL REFERENCES claims(id) ON DELETE CASCADE,
        score DOUBLE PRECISION NOT NULL,
        last_seen TEXT NOT NULL,
        first_seen TEXT NOT NULL,
        PRIMARY KEY (scope, topic, claim_id)
    );
    CREATE INDEX claim_rank_topics_order ON claim_rank_topics(scope, topic, score DESC,
        last_seen DESC, first_seen DESC, claim_id);
    CREATE INDEX claim_rank_topics_claim ON claim_rank_topics(claim_id);
    DELETE FROM claim_rank_refs;
    DELETE FROM claim_rank_partners;
    DELETE FROM meta WHERE key = 'claim_ranks';
    """,
]


def migration_script(index: int, dialect: str) -> str:
    """The script of migration ``index`` (0-based) for ``dialect``."""
    migration = MIGRATIONS[index]
    return migration if isinstance(migration, str) else migration[dialect]


def statements(script: str) -> list[str]:
    """Split a migration script into statements (our scripts have no semicolons inside strings)."""
    parts = []
    for raw in script.split(";"):
        lines = [line.split("--", 1)[0] for line in raw.splitlines()]
        statement = "\n".join(lines).strip()
        if statement:
            parts.append(statement)
    return parts
