"""The same numbered migrations give the same schema on SQLite and PostgreSQL: tables, columns
(type class, NOT NULL, default), primary keys, unique keys, named indexes and foreign keys."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from bot.storage.postgres import VERSION_TABLE, PostgresEngine, migration_statements
from bot.storage.postgres_sql import UntranslatableMigration, translate_ddl
from bot.storage.schema import MIGRATIONS
from bot.storage.sqlite import SQLiteEngine
from tests.storage.pg import fresh_database

Schema = dict[str, Any]

_TYPE_CLASS = {"integer": "integer", "bigint": "integer", "text": "text",
               "double precision": "real"}


def _default(value: object) -> str | None:
    if value is None:
        return None
    return re.sub(r"::(text|bigint|integer)$", "", str(value))


async def sqlite_schema(engine: SQLiteEngine) -> Schema:
    tables: Schema = {}
    rows = await engine.fetch_all(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    for name in sorted(str(r[0]) for r in rows):
        info = await engine.fetch_all(f'PRAGMA table_info("{name}")')
        columns = [(str(c["name"]), _TYPE_CLASS[str(c["type"]).lower()],
                    bool(c["notnull"]) or bool(c["pk"]), _default(c["dflt_value"])) for c in info]
        primary = tuple(str(c["name"]) for c in sorted(info, key=lambda c: c["pk"]) if c["pk"])
        unique: set[tuple[str, ...]] = set()
        named: dict[str, tuple[bool, tuple[str, ...]]] = {}
        for index in await engine.fetch_all(f'PRAGMA index_list("{name}")'):
            cols = tuple(str(c["name"]) for c in
                         await engine.fetch_all(f'PRAGMA index_info("{index["name"]}")'))
            if cols == primary:
                continue
            if index["unique"]:
                unique.add(cols)
            if index["origin"] == "c":  # made by CREATE INDEX, not by a constraint
                named[str(index["name"])] = (bool(index["unique"]), cols)
        keys = {(str(k["from"]), str(k["table"]), str(k["to"]), str(k["on_delete"]).upper())
                for k in await engine.fetch_all(f'PRAGMA foreign_key_list("{name}")')}
        tables[name] = {"columns": columns, "primary": primary, "unique": unique,
                        "indexes": named, "foreign_keys": keys}
    return tables


_PG_INDEXES = """
SELECT i.relname AS name, ix.indisunique AS is_unique, ix.indisprimary AS is_primary,
       array_agg(a.attname::text ORDER BY k.ord) AS columns,
       EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = ix.indexrelid) AS from_constraint
FROM pg_index ix
JOIN pg_class i ON i.oid = ix.indexrelid
JOIN pg_class t ON t.oid = ix.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
CROSS JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord)
JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
WHERE n.nspname = current_schema() AND t.relname = ?
GROUP BY i.relname, ix.indisunique, ix.indisprimary, ix.indexrelid
"""

_PG_FOREIGN_KEYS = """
SELECT a.attname AS col, r.relname AS ref_table, ra.attname AS ref_col, con.confdeltype::text AS ondel
FROM pg_constraint con
JOIN pg_class t ON t.oid = con.conrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
JOIN pg_class r ON r.oid = con.confrelid
JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = con.conkey[1]
JOIN pg_attribute ra ON ra.attrelid = con.confrelid AND ra.attnum = con.confkey[1]
WHERE con.contype = 'f' AND n.nspname = current_schema() AND t.relname = ?
"""

_ON_DELETE = {"c": "CASCADE", "a": "NO ACTION", "r": "RESTRICT", "n": "SET NULL", "d": "SET DEFAULT"}


async def postgres_schema(engine: PostgresEngine) -> Schema:
    tables: Schema = {}
    rows = await engine.fetch_all(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
        "AND table_name <> ?", (VERSION_TABLE,))
    for name in sorted(str(r[0]) for r in rows):
        info = await engine.fetch_all(
            "SELECT column_name, data_type, is_nullable, column_default FROM "
            "information_schema.columns WHERE table_schema = current_schema() AND table_name = ? "
            "ORDER BY ordinal_position", (name,))
        columns = [(str(c[0]), _TYPE_CLASS[str(c[1])], c[2] == "NO", _default(c[3])) for c in info]
        primary: tuple[str, ...] = ()
        unique: set[tuple[str, ...]] = set()
        named: dict[str, tuple[bool, tuple[str, ...]]] = {}
        for index in await engine.fetch_all(_PG_INDEXES, (name,)):
            cols = tuple(index["columns"])
            if index["is_primary"]:
                primary = cols
                continue
            if index["is_unique"]:
                unique.add(cols)
            if not index["from_constraint"]:
                named[str(index["name"])] = (bool(index["is_unique"]), cols)
        keys = {(str(k[0]), str(k[1]), str(k[2]), _ON_DELETE[str(k[3])])
                for k in await engine.fetch_all(_PG_FOREIGN_KEYS, (name,))}
        tables[name] = {"columns": columns, "primary": primary, "unique": unique,
                        "indexes": named, "foreign_keys": keys}
    return tables


@pytest.mark.postgres
async def test_both_backends_have_the_same_schema(tmp_path: Path) -> None:
    sqlite = await SQLiteEngine.open(tmp_path / "parity.db")
    try:
        expected = await sqlite_schema(sqlite)
    finally:
        await sqlite.close()
    with fresh_database() as url:
        postgres = await PostgresEngine.open(url)
        try:
            actual = await postgres_schema(postgres)
            assert await postgres.schema_version() == len(MIGRATIONS)
        finally:
            await postgres.close()
    assert sorted(actual) == sorted(expected)
    assert len(expected) >= 13  # the comparison saw the real schema, not an empty one
    for table in expected:
        for part in ("columns", "primary", "unique", "indexes", "foreign_keys"):
            assert actual[table][part] == expected[table][part], (table, part)


def test_every_portable_migration_translates() -> None:
    for index in range(len(MIGRATIONS)):
        assert migration_statements(index)


def test_sqlite_only_sql_in_a_portable_migration_is_refused() -> None:
    with pytest.raises(UntranslatableMigration, match="migration 7 uses 'AUTOINCREMENT'"):
        translate_ddl("CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT)", migration=7)
    assert translate_ddl("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, s TEXT)",
                         migration=1) == ("CREATE TABLE t (id BIGINT GENERATED BY DEFAULT AS "
                                          "IDENTITY PRIMARY KEY, n BIGINT, s TEXT)")
    assert translate_ddl("CREATE TABLE f (item_id INTEGER PRIMARY KEY REFERENCES items(id))",
                         migration=1) == ("CREATE TABLE f (item_id BIGINT PRIMARY KEY REFERENCES "
                                          "items(id))")
