"""``briefbot migrate-db``: copy the SQLite file to PostgreSQL, verify, and be safe to run again.

Every table of the SQLite file is copied row by row with its ids (so claim ids, item ids and the
delivery log stay what they were) in foreign-key order, inside one PostgreSQL transaction, with
``ON CONFLICT DO NOTHING``: a second run inserts nothing and says so. Afterwards the identity
sequences are moved past the copied ids, and the copy is verified: equal row counts per table,
every claim id and every delivery record present with the same state and message id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.config import DATABASE_URL_VARIABLE, Config, database_target
from bot.errors import ConfigError, StorageError
from bot.storage.engine import Engine, Row, chunks
from bot.storage.postgres import VERSION_TABLE, PostgresEngine
from bot.storage.postgres_sql import URL_EXAMPLE, is_postgres_url
from bot.storage.sqlite import SQLiteEngine

_DELIVERY_COLUMNS = "subscription_id, slot, state, message_id, attempts"


@dataclass(frozen=True)
class TableCopy:
    name: str
    rows: int  # in the SQLite file
    added: int  # inserted into PostgreSQL by this run


@dataclass(frozen=True)
class CopyReport:
    source: str
    target: str
    schema_version: int
    tables: tuple[TableCopy, ...]
    claim_ids: int
    deliveries: int
    problems: tuple[str, ...] = field(default=())

    @property
    def added(self) -> int:
        return sum(t.added for t in self.tables)


async def copy_database(source: Path, target_url: str) -> CopyReport:
    """Copy ``source`` (the SQLite file; both are migrated to the current schema first) into the
    database of ``target_url`` and verify the copy.

    Raises:
        StorageError: the file does not exist, a database cannot be opened, or the copy failed;
            a failed verification is returned in ``problems`` instead.
        ConfigError: ``target_url`` is not a PostgreSQL URL.
    """
    if not _is_file(Path(source)):
        raise StorageError(f"the SQLite file {source} does not exist; set [storage] database to "
                           "the file to copy")
    sqlite = await SQLiteEngine.open(source)
    try:
        postgres = await PostgresEngine.open(target_url)
        try:
            return await _copy(sqlite, postgres)
        finally:
            await postgres.close()
    finally:
        await sqlite.close()


def _is_file(path: Path) -> bool:
    return path.is_file()


async def _copy(sqlite: SQLiteEngine, postgres: PostgresEngine) -> CopyReport:
    tables = await _tables_in_order(sqlite)
    copies: list[TableCopy] = []
    async with postgres.transaction():
        for table in tables:
            copies.append(await _copy_table(sqlite, postgres, table))
        await _move_sequences(postgres)
    problems = [*await _count_problems(postgres, copies)]
    claim_ids, missing = await _missing(sqlite, postgres, "SELECT id FROM claims")
    if missing:
        problems.append(f"{len(missing)} claim ids are missing in PostgreSQL, e.g. "
                        f"{', '.join(sorted(str(m[0]) for m in missing)[:3])}")
    deliveries, missing = await _missing(
        sqlite, postgres, f"SELECT {_DELIVERY_COLUMNS} FROM deliveries")
    if missing:
        problems.append(f"{len(missing)} delivery records are missing or differ in PostgreSQL")
    return CopyReport(
        source=sqlite.description, target=postgres.description,
        schema_version=await postgres.schema_version(), tables=tuple(copies),
        claim_ids=claim_ids, deliveries=deliveries, problems=tuple(problems))


async def _tables_in_order(sqlite: SQLiteEngine) -> list[str]:
    """The file's tables, each after the tables its foreign keys point to."""
    rows = await sqlite.fetch_all(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name")
    names = [str(r[0]) for r in rows]
    needs: dict[str, set[str]] = {}
    for name in names:
        keys = await sqlite.fetch_all(f'PRAGMA foreign_key_list("{name}")')
        needs[name] = {str(k["table"]) for k in keys} - {name}
    ordered: list[str] = []
    while needs:
        ready = sorted(n for n, deps in needs.items() if not deps - set(ordered))
        if not ready:  # a cycle: cannot happen with this schema; copy the rest as they come
            ready = sorted(needs)
        for name in ready:
            ordered.append(name)
            del needs[name]
    return ordered


async def _copy_table(sqlite: SQLiteEngine, postgres: PostgresEngine, table: str) -> TableCopy:
    columns = [str(r["name"]) for r in await sqlite.fetch_all(f'PRAGMA table_info("{table}")')]
    known = {str(r[0]) for r in await postgres.fetch_all(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = ?", (table,))}
    if not known:
        raise StorageError(f"{postgres.description} has no table {table}; both databases must "
                           "be at the same schema version (upgrade briefbot on both)")
    absent = [c for c in columns if c not in known]
    if absent:
        raise StorageError(f"{postgres.description}: table {table} has no column "
                           f"{', '.join(absent)}; both databases must be at the same schema version")
    names = ", ".join(f'"{c}"' for c in columns)
    rows = await sqlite.fetch_all(f'SELECT {names} FROM "{table}"')
    before = await _count(postgres, table)
    insert = (f'INSERT INTO "{table}" ({names}) VALUES ({", ".join("?" for _ in columns)}) '
              "ON CONFLICT DO NOTHING")
    for chunk in chunks(rows, 1000):
        await postgres.execute_many(insert, [tuple(r) for r in chunk])
    return TableCopy(table, len(rows), await _count(postgres, table) - before)


async def _move_sequences(postgres: PostgresEngine) -> None:
    """Identity columns continue after the copied ids (else the next insert collides)."""
    rows = await postgres.fetch_all(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND is_identity = 'YES' AND table_name <> ?",
        (VERSION_TABLE,))
    for row in rows:
        table, column = str(row[0]), str(row[1])
        await postgres.fetch_one(
            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', '{column}'), "
            f'COALESCE((SELECT MAX("{column}") FROM "{table}"), 1), '
            f'(SELECT MAX("{column}") FROM "{table}") IS NOT NULL)')


async def _count(engine: Engine, table: str) -> int:
    row = await engine.fetch_one(f'SELECT COUNT(*) FROM "{table}"')
    return int(row[0]) if row else 0


async def _count_problems(postgres: PostgresEngine, copies: Sequence[TableCopy]) -> list[str]:
    problems = []
    for copy in copies:
        there = await _count(postgres, copy.name)
        if there != copy.rows:
            problems.append(f"{copy.name}: {copy.rows} rows in the SQLite file, {there} in "
                            "PostgreSQL (was the PostgreSQL database in use already? copy into "
                            "an empty one)")
    return problems


async def _missing(sqlite: SQLiteEngine, postgres: PostgresEngine,
                   sql: str) -> tuple[int, set[tuple[object, ...]]]:
    """How many rows ``sql`` gives on SQLite, and which of them PostgreSQL lacks."""
    wanted = {_values(r) for r in await sqlite.fetch_all(sql)}
    present = {_values(r) for r in await postgres.fetch_all(sql)}
    return len(wanted), wanted - present


def _values(row: Row) -> tuple[object, ...]:
    return tuple(row[key] for key in list(row.keys()))


def report_lines(report: CopyReport) -> list[str]:
    """What ``briefbot migrate-db`` prints."""
    lines = [f"{report.source} -> {report.target} (schema version {report.schema_version})"]
    width = max((len(t.name) for t in report.tables), default=0)
    lines += [f"  {t.name:<{width}}  {t.rows:>7} rows  {t.added:>7} added" for t in report.tables]
    if report.problems:
        lines += [f"verification failed: {p}" for p in report.problems]
        return lines
    lines.append(f"verified: row counts equal in {len(report.tables)} tables; all "
                 f"{report.claim_ids} claim ids and {report.deliveries} delivery records present")
    if report.added:
        lines.append(f"copied {report.added} rows")
    else:
        lines.append("added 0 rows: PostgreSQL already held everything (nothing to do)")
    return lines


async def migrate_db(config: Config, to: str | None) -> tuple[list[str], bool]:
    """``briefbot migrate-db [--to URL]``: the lines to print and whether the copy verified.
    Without ``--to``, the configured PostgreSQL URL (variable or ``[storage] url``) is the target;
    the source is always the SQLite file of ``[storage] database``.

    Raises:
        ConfigError: no PostgreSQL URL to copy to.
        StorageError: as ``copy_database``.
    """
    target = to or database_target(config)
    if not is_postgres_url(target):
        raise ConfigError(f"give the PostgreSQL database to copy to, e.g. --to {URL_EXAMPLE} "
                          f"(or set {DATABASE_URL_VARIABLE})", key="--to")
    report = await copy_database(config.storage.database, str(target))
    return report_lines(report), not report.problems
