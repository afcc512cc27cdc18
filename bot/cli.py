"""The ``briefbot`` command line.

Exit codes: 0 done; 2 configuration error; 3 storage error; 1 anything else we could name. Expected
errors print one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import re
import sys
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from adapters.console import render_claim, render_reply
from bot import __version__
from bot.analyze import analyze_file, render_analysis
from bot.answers import digest_reply, topic_digest_reply
from bot.app import default_pipeline
from bot.config import Config, Secrets, default_config_path, load_config
from bot.contracts import claim_json, digest_json
from bot.errors import BriefbotError, ConfigError, StorageError
from bot.feeds.opml import parse_opml, write_opml
from bot.run import (
    discord_invite,
    ingest_everything,
    missing_tokens,
    open_app,
    post_digests_now,
    run,
    slack_manifest,
)
from bot.storage import Storage
from bot.storage.communities_feeds import SHARED
from bot.storage.migrate_db import migrate_db

log = logging.getLogger("briefbot")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="briefbot",
        description="Self-hosted news-briefing bot for Discord, Slack and the console.",
    )
    parser.add_argument("--config", type=Path, default=None,
                        help="TOML config file (default: ./config.toml if present, else built-in "
                        "defaults equal to config.example.toml)")
    parser.add_argument("--version", action="version", version=f"briefbot {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    sub.add_parser("check", help="validate the configuration and say what would run")

    p = sub.add_parser("ingest", help="ingest seeds and fetch every feed")
    p.add_argument("--once", action="store_true", help="fetch once and exit (the only mode)")

    p = sub.add_parser("digest", help="print (or post) the current digest")
    p.add_argument("--topic", help="limit to one topic")
    p.add_argument("--since", help="start of the window (YYYY-MM-DD or ISO time, UTC); "
                   "also shows items kept out of digests")
    p.add_argument("--json", action="store_true", help="print JSON (a stable contract)")
    p.add_argument("--post", action="store_true",
                   help="post now to every configured [[digests]] subscription")

    p = sub.add_parser("claims", help="print the claims ledger")
    p.add_argument("--topic", help="limit to one topic")
    p.add_argument("--claimant", help="limit to one claimant (substring)")
    p.add_argument("--status", choices=("disputed", "no_evidence", "hedged"))
    p.add_argument("--json", action="store_true", help="print JSON (a stable contract)")

    p = sub.add_parser("analyze", help="analyze text or HTML files without touching the database")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.add_argument("--lang", choices=("de", "en", "auto"), default="auto")
    p.add_argument("--json", action="store_true", help="print JSON (a stable contract)")

    sub.add_parser("sources", help="feeds and seeds with their health")

    p = sub.add_parser("run", help="run the bot (Discord/Slack when tokens are set, else console)")
    p.add_argument("--console", action="store_true",
                   help="run the console adapter even when platform tokens are set")

    p = sub.add_parser("feeds", help="import or export feeds as OPML")
    feeds = p.add_subparsers(dest="feeds_command", metavar="ACTION", required=True)
    p = feeds.add_parser("import", help="follow the feeds of an OPML file (duplicates skipped)")
    p.add_argument("file", type=Path, metavar="FILE.opml")
    p.add_argument("--community", default=None, metavar="PLATFORM:ID",
                   help="the community that follows them, e.g. discord:123456789 or slack:T0123 "
                   "(default: shared, seen by every community, removable by any admin)")
    p = feeds.add_parser("export", help="write every feed as OPML 2.0")
    p.add_argument("--output", type=Path, default=None, metavar="FILE",
                   help="write here instead of standard output")
    p.add_argument("--community", default=None, metavar="PLATFORM:ID",
                   help="only the config's feeds, this community's and the shared ones")

    p = sub.add_parser("migrate-db", help="copy the SQLite file of [storage] database to "
                       "PostgreSQL, verify it; safe to run again")
    p.add_argument("--to", metavar="URL", help="postgresql://user@host:port/dbname (default: "
                   "BRIEFBOT_DATABASE_URL or [storage] url)")

    sub.add_parser("discord-invite", help="print the Discord OAuth2 invite URL")
    sub.add_parser("slack-manifest", help="print a Slack app manifest (JSON)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        config = load_config(args.config or default_config_path())
        logging.basicConfig(
            level=getattr(logging, config.logging.level),
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
            stream=sys.stderr,
        )
        handler = COMMANDS[args.command]
        return _run(handler(config, args))
    except ConfigError as e:
        print(f"briefbot: configuration error: {e}", file=sys.stderr)
        return 2
    except StorageError as e:
        print(f"briefbot: storage error: {e}", file=sys.stderr)
        return 3
    except BriefbotError as e:
        print(f"briefbot: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # the reader went away (``briefbot claims --json | head``): not an error of ours
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silences the flush at exit
        return 0


def _run(coro: Coroutine[Any, Any, int]) -> int:
    return asyncio.run(coro)


# --- commands -------------------------------------------------------------------------------------


def _require_seeds(config: Config) -> None:
    """A seeds folder that is not there stops every command that ingests: say so as a config error."""
    directory = config.seeds.directory
    if not directory.is_dir():
        what = "is not a folder" if directory.exists() else "does not exist"
        raise ConfigError(f"{directory} {what}; create it (it may stay empty) or set "
                          "[seeds] directory",
                          path=str(config.path) if config.path else None, key="seeds.directory")


def _require_topic(config: Config, topic: str | None) -> None:
    if topic and config.topic(topic) is None:
        raise ConfigError(f"unknown topic {topic!r}; topics: "
                          f"{', '.join(t.name for t in config.topics)}", key="--topic")


async def cmd_check(config: Config, args: argparse.Namespace) -> int:
    _require_seeds(config)
    # StorageError: exit 3, one line
    storage = await Storage.from_config(config)
    try:
        await storage.check_writable()
        database = f"{storage.db.description} (schema {await storage.db.schema_version()}, writable)"
    finally:
        await storage.close()
    where = str(config.path) if config.path else "built-in defaults (config.example.toml)"
    print(f"config OK: {where}")
    print(f"  database: {database}")
    print(f"  seeds: {config.seeds.directory}")
    print(f"  topics: {', '.join('/' + t.name for t in config.topics)}")
    print(f"  feeds: {len(config.feeds)}; subscriptions: {len(config.all_subscriptions)}")
    problems = missing_tokens(config, Secrets.from_env())
    for problem in problems:
        print(f"  warning: {problem}")
    return 0


async def cmd_migrate_db(config: Config, args: argparse.Namespace) -> int:
    lines, verified = await migrate_db(config, args.to)
    print("\n".join(lines))
    return 0 if verified else 3


async def cmd_ingest(config: Config, args: argparse.Namespace) -> int:
    _require_seeds(config)
    app = await open_app(config)
    try:
        for line in await ingest_everything(app):
            print(line)
    finally:
        await app.close()
    return 0


def _parse_since(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise BriefbotError(
            f"--since {value!r} is not a date; write YYYY-MM-DD or 2025-01-28T08:00"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


async def cmd_digest(config: Config, args: argparse.Namespace) -> int:
    _require_topic(config, args.topic)
    _require_seeds(config)
    since = _parse_since(args.since) if args.since else None
    app = await open_app(config)
    try:
        await app.ingest.ingest_seeds(config.seeds.directory)
        if args.post:
            for line in await post_digests_now(app):
                print(line)
            return 0
        window = await app.answers.digests.window(since=since)
        digest = await app.answers.digests.build(window, topic=args.topic)
        if args.json:
            print(json.dumps(digest_json(digest), ensure_ascii=False, indent=2))
        else:
            reply = digest_reply(digest, config.bot.language)
            if args.topic:
                briefing = await app.answers.topic_briefing(args.topic)
                reply = topic_digest_reply(digest, briefing, config.bot.language)
            sys.stdout.write(render_reply(reply, language=config.bot.language,
                                          rich=sys.stdout.isatty()))
    finally:
        await app.close()
    return 0


async def cmd_claims(config: Config, args: argparse.Namespace) -> int:
    _require_topic(config, args.topic)
    _require_seeds(config)
    app = await open_app(config)
    try:
        await app.ingest.ingest_seeds(config.seeds.directory)
        claims = await app.answers.filtered_claims(
            claimant=args.claimant, status=args.status, topic=args.topic
        )
        if args.json:
            print(json.dumps([claim_json(c) for c in claims], ensure_ascii=False, indent=2))
        else:
            for claim in claims:
                print("• " + render_claim(claim, config.bot.language))
            if not claims:
                print("no claims match")
    finally:
        await app.close()
    return 0


async def cmd_analyze(config: Config, args: argparse.Namespace) -> int:
    results = []
    pipeline = default_pipeline(config.briefing.summary_words)
    for path in args.files:
        try:
            results.append(await asyncio.to_thread(
                analyze_file, path, None if args.lang == "auto" else args.lang, config, pipeline
            ))
        except OSError as e:
            raise BriefbotError(f"cannot read {path}: {e.strerror}") from e
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
    else:
        for result in results:
            print(render_analysis(result))
    return 0


async def cmd_sources(config: Config, args: argparse.Namespace) -> int:
    app = await open_app(config)
    try:
        sys.stdout.write(render_reply(await app.answers.sources(), language=config.bot.language))
    finally:
        await app.close()
    return 0


COMMUNITY = re.compile(r"^(discord|slack|console):\S+$|^console$")


def _community(value: str | None) -> str:
    if value is None:
        return SHARED
    if not COMMUNITY.match(value):
        raise ConfigError(f"{value!r} is not a community; write discord:<server id>, "
                          "slack:<workspace id> or console", key="--community")
    return value


async def cmd_feeds(config: Config, args: argparse.Namespace) -> int:
    community = _community(args.community)
    if args.feeds_command == "import":
        try:
            data = args.file.read_bytes()
        except OSError as e:
            raise BriefbotError(f"cannot read {args.file} ({e.strerror})") from e
        document = parse_opml(data)
    app = await open_app(config)
    try:
        if args.feeds_command == "import":
            report = await app.feeds.import_opml(community, document)
            for problem in [*report.skipped, *report.problems]:
                print(f"{args.file}:{problem.line}: {problem.reason}", file=sys.stderr)
            print(f"{len(report.added)} feeds added, {len(report.skipped)} skipped, "
                  f"{len(report.problems)} outlines not usable")
            return 0
        feeds = await app.feeds.export(None if args.community is None else community)
        text = write_opml(feeds, title="briefbot feeds", now=app.clock.now())
    finally:
        await app.close()
    if args.output is None:
        sys.stdout.write(text)
    else:
        try:
            args.output.write_text(text, encoding="utf-8")
        except OSError as e:
            raise BriefbotError(f"cannot write {args.output} ({e.strerror})") from e
    return 0


async def cmd_run(config: Config, args: argparse.Namespace) -> int:
    _require_seeds(config)
    return await run(config, Secrets.from_env(), console=args.console)


async def cmd_discord_invite(config: Config, args: argparse.Namespace) -> int:
    print(await discord_invite(config, Secrets.from_env()))
    return 0


async def cmd_slack_manifest(config: Config, args: argparse.Namespace) -> int:
    print(json.dumps(slack_manifest(config), indent=2, ensure_ascii=False))
    print("briefbot: an existing Slack app offers new commands (such as /feeds) only after this "
          "manifest is imported again: App Manifest → Edit → paste → Save", file=sys.stderr)
    return 0


Command = Callable[[Config, argparse.Namespace], Coroutine[Any, Any, int]]
COMMANDS: dict[str, Command] = {
    "check": cmd_check,
    "ingest": cmd_ingest,
    "digest": cmd_digest,
    "claims": cmd_claims,
    "analyze": cmd_analyze,
    "sources": cmd_sources,
    "run": cmd_run,
    "feeds": cmd_feeds,
    "migrate-db": cmd_migrate_db,
    "discord-invite": cmd_discord_invite,
    "slack-manifest": cmd_slack_manifest,
}
