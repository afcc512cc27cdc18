"""TOML configuration, validated at start into frozen dataclasses.

Every key has a default, so a config holding only a few keys works. Unknown keys and wrong types raise
``ConfigError`` naming the file, the key and what to write instead. Secrets never live here: tokens come
from the environment only (see ``Secrets``).
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import re
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args, get_origin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.errors import ConfigError

TOPIC_NAME = re.compile(r"^[a-z0-9_-]{1,32}$")
BUILTIN_COMMANDS = frozenset(
    {"claims", "digest", "sources", "subscriptions", "help", "subscribe", "unsubscribe",
     "language", "feeds"}
)
SECRET_VARIABLES = ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET")
SHARD_IDS_VARIABLE = "BRIEFBOT_SHARD_IDS"


DATABASE_URL_VARIABLE = "BRIEFBOT_DATABASE_URL"


@dataclass(frozen=True)
class StorageConfig:
    database: Path = Path("briefbot-data/briefbot.db")
    keep_days: int = 30
    busy_timeout: float = 10.0  # seconds a writer waits for another process's write lock
    # postgresql://user@host:port/dbname; wins over ``database``. ``repr`` hides it: it may
    # hold a password (better kept in BRIEFBOT_DATABASE_URL, which wins over this key)
    url: str | None = field(default=None, repr=False)


def database_target(config: Config, env: typing.Mapping[str, str] | None = None) -> Path | str:
    """Where the data lives: the variable ``BRIEFBOT_DATABASE_URL``, else ``[storage] url``, else
    the SQLite file ``[storage] database``.

    Raises:
        ConfigError: the variable is set but is not a PostgreSQL URL.
    """
    env = os.environ if env is None else env
    from_env = env.get(DATABASE_URL_VARIABLE, "").strip()
    if from_env:
        if not _is_postgres_url(from_env):
            raise ConfigError("is not a PostgreSQL URL; set it to e.g. "
                              '"postgresql://briefbot@127.0.0.1:5432/briefbot" or unset it',
                              key=DATABASE_URL_VARIABLE)
        return from_env
    return config.storage.url or config.storage.database


def _is_postgres_url(value: str) -> bool:
    return re.match(r"^postgres(ql)?://", value, re.IGNORECASE) is not None


@dataclass(frozen=True)
class SeedsConfig:
    directory: Path = Path("seeds")


@dataclass(frozen=True)
class LoggingConfig:
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "WARNING"


@dataclass(frozen=True)
class BotConfig:
    language: Literal["de", "en"] = "de"


@dataclass(frozen=True)
class BriefingConfig:
    summary_words: int = 70  # words of an article's summary in all (about 40-70 reads best)


@dataclass(frozen=True)
class FeedConfig:
    url: str
    name: str = ""
    interval: int | None = None  # minutes; None: [fetch] interval


@dataclass(frozen=True)
class LocalText:
    """A text written per language (``{de = "…", en = "…"}``); a missing one falls back to the
    other, so a community never reads an empty name."""

    de: str = ""
    en: str = ""

    def get(self, language: str) -> str:
        own = self.de if language == "de" else self.en
        return own or self.en or self.de


@dataclass(frozen=True)
class TopicConfig:
    name: str
    terms: tuple[str, ...] = ()
    description: str | LocalText = ""

    def display_name(self, language: str) -> str:
        """The topic's description in ``language`` (a plain string serves every language), else
        its name."""
        text = self.description.get(language) if isinstance(self.description, LocalText) else (
            self.description)
        return text or self.name


@dataclass(frozen=True)
class FetchConfig:
    allow_private_networks: bool = False
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    timeout: float = 60.0
    max_bytes: int = 10_000_000
    max_redirects: int = 5
    user_agent: str = "briefbot/0.1 (+self-hosted news-briefing bot)"
    interval: int = 15  # minutes
    max_age: int = 48  # hours
    full_text: bool = True
    full_text_timeout: float = 20.0  # seconds for one article page, redirects included
    full_text_concurrency: int = 4  # article pages fetched at once, over all feeds
    alert_after_hours: int = 24  # a feed failing this long is announced in its channels


@dataclass(frozen=True)
class TextConfig:
    max_chars: int = 200_000  # longest text analysed; longer feed texts are cut, files refused


MAX_PROCESSES = 64


def default_processes() -> int:
    """The CPUs this process may use, less one for the bot's own process; at least one."""
    return max(1, len(os.sched_getaffinity(0)) - 1)


@dataclass(frozen=True)
class IngestConfig:
    # processes analysing new items (cleaning, splitting, summaries, claims), so that the bot's
    # event loop never waits for them; None: the CPUs less one, at least one. 0: in a thread of
    # the bot's own process (which then shares the interpreter lock with the event loop)
    processes: int | None = None

    @property
    def worker_processes(self) -> int:
        return default_processes() if self.processes is None else self.processes


@dataclass(frozen=True)
class LimitsConfig:
    """What one community (a Discord server, a Slack workspace) may add from chat."""

    feeds_per_community: int = 50
    subscriptions_per_community: int = 20


@dataclass(frozen=True)
class DiscordConfig:
    guild_id: int | None = None
    api_base_url: str = "https://discord.com/api/v10"
    gateway_url: str = "wss://gateway.discord.gg/"
    # Shards (discord.py's AutoShardedClient): the bot's total, and the ones this process runs
    # (None: all of them). Without shard_count one process holds the gateway (the leader).
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None


@dataclass(frozen=True)
class Shards:
    """The shards one process runs: ``ids`` out of ``count``."""

    count: int
    ids: tuple[int, ...]

    def line(self) -> str:
        return f"shards {', '.join(map(str, self.ids))} of {self.count}"


def discord_shards(config: Config, env: typing.Mapping[str, str] | None = None) -> Shards | None:
    """The shards of this process: ``[discord] shard_ids`` (or ``BRIEFBOT_SHARD_IDS``, which wins,
    so one config serves every process of a systemd template) out of ``shard_count``; None
    without shard settings (then a gateway leader is elected among the processes).

    Raises:
        ConfigError: the variable is not a list of shard ids within ``shard_count``, or is set
            without ``[discord] shard_count``.
    """
    env = os.environ if env is None else env
    count = config.discord.shard_count
    text = env.get(SHARD_IDS_VARIABLE, "").strip()
    if text:
        if count is None:
            raise ConfigError("is set but [discord] shard_count is not; write shard_count = N "
                              "in config.toml or unset the variable", key=SHARD_IDS_VARIABLE)
        ids = _shard_ids_from(text, count)
    elif count is None:
        return None
    else:
        ids = config.discord.shard_ids if config.discord.shard_ids is not None else tuple(
            range(count))
    return Shards(count=count, ids=ids)


def _shard_ids_from(text: str, count: int) -> tuple[int, ...]:
    parts = [part.strip() for part in text.split(",")]
    if not all(part.isdigit() for part in parts):
        raise ConfigError(f"{text!r} is not a list of shard ids; write e.g. "
                          f'{SHARD_IDS_VARIABLE}="0,1"', key=SHARD_IDS_VARIABLE)
    ids = tuple(int(part) for part in parts)
    problem = _shard_ids_problem(ids, count)
    if problem:
        raise ConfigError(problem, key=SHARD_IDS_VARIABLE)
    return ids


def _shard_ids_problem(ids: tuple[int, ...], count: int) -> str | None:
    if not ids:
        return "names no shard; list at least one, e.g. 0"
    outside = [i for i in ids if not 0 <= i < count]
    if outside:
        return (f"shard {outside[0]} is outside 0..{count - 1} (shard_count = {count}); "
                "shard ids count from 0")
    if len(set(ids)) != len(ids):
        return "names a shard twice; list each once"
    return None


@dataclass(frozen=True)
class WorkersConfig:
    """How the ``briefbot run`` processes on one database share the work (README "Running at
    scale")."""

    feed_lease_seconds: int = 600  # a feed being polled is held this long, renewed while it runs
    leader_retry_seconds: float = 10.0  # a process without the gateway tries to take it this often
    leader_lease_seconds: int = 30  # SQLite: the leader's lease lapses this long after its renewal


@dataclass(frozen=True)
class SlackConfig:
    mode: Literal["socket", "http"] = "socket"
    api_base_url: str = "https://slack.com/api/"
    port: int = 3000
    admins: tuple[str, ...] = ()


@dataclass(frozen=True)
class SubscriptionConfig:
    """One ``[[subscriptions]]`` entry (``[[digests]]`` is its alias): where, what and how.

    ``time``, ``timezone`` and ``quiet`` are None when not written, so that a live subscription
    naming one of them is a config error rather than a silently ignored key.
    """

    platform: Literal["discord", "slack", "console"]
    channel: str
    mode: Literal["digest", "live"] = "digest"
    feeds: tuple[str, ...] = ()  # feed names (or URLs); empty: every feed
    topic: str | None = None
    include: tuple[str, ...] = ()  # words or phrases; an item needs one of them
    exclude: tuple[str, ...] = ()  # words or phrases; an item with one of them is left out
    time: str | None = None  # digest only; default "08:00"
    timezone: str | None = None  # digest only; default "UTC"
    quiet: Literal["skip", "line"] | None = None  # digest only; default "line"
    batch_minutes: int = 0  # live only: items of this many minutes as one message; 0: one each
    max_posts_per_hour: int = 20  # live only: messages per hour; the rest waits
    thread: bool = False  # live only, Discord: a thread per post
    mention: str | None = None  # live only: a Discord role id or a Slack user group id

    @property
    def digest_time(self) -> str:
        return (self.time or DIGEST_TIME).strip()

    @property
    def digest_timezone(self) -> str:
        return self.timezone or "UTC"

    @property
    def digest_quiet(self) -> str:
        return self.quiet or "line"


DIGEST_TIME = "08:00"
DigestConfig = SubscriptionConfig  # the name of the last wave
LIVE_KEYS = ("batch_minutes", "max_posts_per_hour", "thread", "mention")
DIGEST_KEYS = ("time", "timezone", "quiet")


@dataclass(frozen=True)
class DeliveryConfig:
    grace_hours: float = 6.0
    lease_seconds: int = 300
    max_attempts: int = 5


@dataclass(frozen=True)
class Config:
    storage: StorageConfig = field(default_factory=StorageConfig)
    seeds: SeedsConfig = field(default_factory=SeedsConfig)
    logging: LoggingConfig = field(default_factory=LoggingConfig)
    bot: BotConfig = field(default_factory=BotConfig)
    briefing: BriefingConfig = field(default_factory=BriefingConfig)
    fetch: FetchConfig = field(default_factory=FetchConfig)
    text: TextConfig = field(default_factory=TextConfig)
    ingest: IngestConfig = field(default_factory=IngestConfig)
    discord: DiscordConfig = field(default_factory=DiscordConfig)
    slack: SlackConfig = field(default_factory=SlackConfig)
    delivery: DeliveryConfig = field(default_factory=DeliveryConfig)
    limits: LimitsConfig = field(default_factory=LimitsConfig)
    workers: WorkersConfig = field(default_factory=WorkersConfig)
    feeds: tuple[FeedConfig, ...] = ()
    topics: tuple[TopicConfig, ...] = ()
    subscriptions: tuple[SubscriptionConfig, ...] = ()
    digests: tuple[SubscriptionConfig, ...] = ()  # alias of ``subscriptions``, kept for old files
    path: Path | None = None  # the file it came from, None for built-in defaults

    def topic(self, name: str) -> TopicConfig | None:
        return next((t for t in self.topics if t.name == name), None)

    @property
    def all_subscriptions(self) -> tuple[SubscriptionConfig, ...]:
        """``[[subscriptions]]`` then ``[[digests]]`` (its alias), in file order."""
        return self.subscriptions + self.digests


@dataclass(frozen=True)
class Secrets:
    """Tokens from the environment. ``repr`` never shows them."""

    discord_token: str | None = field(default=None, repr=False)
    slack_bot_token: str | None = field(default=None, repr=False)
    slack_app_token: str | None = field(default=None, repr=False)
    slack_signing_secret: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, env: typing.Mapping[str, str] | None = None) -> Secrets:
        env = os.environ if env is None else env
        return cls(
            discord_token=env.get("DISCORD_TOKEN") or None,
            slack_bot_token=env.get("SLACK_BOT_TOKEN") or None,
            slack_app_token=env.get("SLACK_APP_TOKEN") or None,
            slack_signing_secret=env.get("SLACK_SIGNING_SECRET") or None,
        )


# --- loading --------------------------------------------------------------------------------------

EXAMPLE_NAME = "config.example.toml"


def default_config_path(cwd: Path | None = None) -> Path | None:
    """``./config.toml`` if present, else None (built-in defaults, equal to the example file)."""
    candidate = (cwd or Path.cwd()) / "config.toml"
    return candidate if candidate.is_file() else None


def load_config(path: Path | None) -> Config:
    """Read and validate ``path``; None gives the built-in defaults (resolved against the cwd)."""
    if path is None:
        return _resolve_paths(default_config(), Path.cwd())
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise ConfigError(f"cannot read the config file ({e.strerror})", path=str(path)) from e
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise ConfigError("the file is not UTF-8 text", path=str(path)) from e
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"not valid TOML: {e}", path=str(path)) from e
    return parse_config(data, path=path)


def default_config() -> Config:
    """The defaults, which equal ``config.example.toml``: one topic, no feeds, no digests."""
    return Config(topics=(DEFAULT_TOPIC,))


DEFAULT_TOPIC = TopicConfig(
    name="deepseek",
    terms=(
        "DeepSeek",
        "R1",
        "KI",
        "AI",
        "OpenAI",
        "Nvidia",
        "H100",
        "H20",
        "Exportkontrollen",
        "export controls",
        "China",
        "Silicon Valley",
    ),
    description=LocalText(de="DeepSeek und das KI-Rennen zwischen den USA und China",
                          en="DeepSeek and the US-China AI race"),
)


def parse_config(data: dict[str, Any], *, path: Path | None = None) -> Config:
    where = str(path) if path else "<config>"
    config = _build(Config, data, prefix="", where=where, skip={"path"})
    if "topics" not in data:
        config = dataclasses.replace(config, topics=(DEFAULT_TOPIC,))
    base = path.parent if path else Path.cwd()
    config = dataclasses.replace(_resolve_paths(config, base), path=path)
    validate(config, where=where)
    return config


def _resolve_paths(config: Config, base: Path) -> Config:
    def resolve(p: Path) -> Path:
        return p if p.is_absolute() else (base / p).resolve()

    return dataclasses.replace(
        config,
        storage=dataclasses.replace(config.storage, database=resolve(config.storage.database)),
        seeds=dataclasses.replace(config.seeds, directory=resolve(config.seeds.directory)),
    )


def validate(config: Config, *, where: str) -> None:
    """Checks that span keys: names, times, time zones, references between tables."""
    topics = _validate_topics(config, where)
    _validate_feeds(config, where)
    _validate_digests(config, where, topics)
    _validate_numbers(config, where)
    _validate_ingest(config, where)
    _validate_storage(config, where)
    _validate_discord(config, where)
    _validate_workers(config, where)


def _validate_discord(config: Config, where: str) -> None:
    count, ids = config.discord.shard_count, config.discord.shard_ids
    if count is not None and count < 1:
        raise ConfigError(f"must be at least 1, got {count}; leave it out for one gateway "
                          "connection held by a leader process", path=where,
                          key="discord.shard_count")
    if ids is None:
        return
    if count is None:
        raise ConfigError("needs [discord] shard_count (the bot's total number of shards); "
                          "add it, or remove shard_ids", path=where, key="discord.shard_ids")
    problem = _shard_ids_problem(ids, count)
    if problem:
        raise ConfigError(problem, path=where, key="discord.shard_ids")


def _validate_workers(config: Config, where: str) -> None:
    workers = config.workers
    if workers.feed_lease_seconds < 10:
        raise ConfigError(f"must be at least 10 seconds, got {workers.feed_lease_seconds} (it is "
                          "renewed while a poll runs)", path=where, key="workers.feed_lease_seconds")
    if workers.leader_retry_seconds <= 0:
        raise ConfigError(f"must be a positive number of seconds, got "
                          f"{workers.leader_retry_seconds}", path=where,
                          key="workers.leader_retry_seconds")
    if workers.leader_lease_seconds < 3:
        raise ConfigError(f"must be at least 3 seconds, got {workers.leader_lease_seconds} (the "
                          "leader renews it every third of it)", path=where,
                          key="workers.leader_lease_seconds")


def _validate_ingest(config: Config, where: str) -> None:
    processes = config.ingest.processes
    if processes is not None and not 0 <= processes <= MAX_PROCESSES:
        raise ConfigError(f"must be between 0 (analyse in the bot's own process) and "
                          f"{MAX_PROCESSES}, got {processes}; leave it out for the number of "
                          "CPUs less one", path=where, key="ingest.processes")


def _validate_storage(config: Config, where: str) -> None:
    if config.storage.url is not None and not _is_postgres_url(config.storage.url):
        raise ConfigError('is not a PostgreSQL URL; write e.g. url = '
                          '"postgresql://briefbot@127.0.0.1:5432/briefbot", or leave it out for '
                          "the SQLite file of [storage] database", path=where, key="storage.url")


def _validate_topics(config: Config, where: str) -> set[str]:
    """The topic names, each checked."""
    seen: set[str] = set()
    for i, topic in enumerate(config.topics):
        key = f"topics[{i}].name"
        if not TOPIC_NAME.match(topic.name):
            raise ConfigError(
                f"{topic.name!r} is not a valid command name; use 1-32 characters of a-z, 0-9, _ "
                "or -, e.g. name = \"deepseek\"",
                path=where,
                key=key,
            )
        if topic.name in BUILTIN_COMMANDS:
            raise ConfigError(
                f"{topic.name!r} would shadow the built-in command /{topic.name}; choose another "
                f"name (built-ins: {', '.join(sorted(BUILTIN_COMMANDS))})",
                path=where,
                key=key,
            )
        if topic.name in seen:
            raise ConfigError(f"topic {topic.name!r} is defined twice", path=where, key=key)
        seen.add(topic.name)
        if not topic.terms:
            raise ConfigError(
                'a topic needs at least one term, e.g. terms = ["DeepSeek"]',
                path=where,
                key=f"topics[{i}].terms",
            )
    return seen


def _validate_feeds(config: Config, where: str) -> None:
    for i, feed in enumerate(config.feeds):
        if not re.match(r"^https?://[^\s/]+", feed.url):
            raise ConfigError(
                f"{feed.url!r} is not an http(s) URL; write e.g. url = \"https://example.com/feed.xml\"",
                path=where,
                key=f"feeds[{i}].url",
            )
        if feed.interval is not None and feed.interval < 1:
            raise ConfigError("interval is in minutes and must be at least 1", path=where,
                              key=f"feeds[{i}].interval")


def _validate_digests(config: Config, where: str, seen: set[str]) -> None:
    numbered = [(f"subscriptions[{i}]", sub) for i, sub in enumerate(config.subscriptions)]
    numbered += [(f"digests[{i}]", sub) for i, sub in enumerate(config.digests)]
    for key, sub in numbered:
        _validate_subscription(sub, where, key, seen)


def _validate_subscription(sub: SubscriptionConfig, where: str, key: str, seen: set[str]) -> None:
    if sub.mode == "digest":
        for name in LIVE_KEYS:
            if getattr(sub, name) != getattr(_DIGEST_DEFAULTS, name):
                raise ConfigError(f"{name} applies only to mode = \"live\"; remove it or set "
                                  "mode = \"live\"", path=where, key=f"{key}.{name}")
        check_time(sub.digest_time, where=where, key=f"{key}.time")
        check_timezone(sub.digest_timezone, where=where, key=f"{key}.timezone")
    else:
        for name in DIGEST_KEYS:
            if getattr(sub, name) is not None:
                raise ConfigError(f"{name} applies only to digests; a live subscription posts "
                                  "each item as it arrives, so remove it", path=where,
                                  key=f"{key}.{name}")
        if not 0 <= sub.batch_minutes <= 1440:
            raise ConfigError("must be between 0 (one message per item) and 1440 minutes",
                              path=where, key=f"{key}.batch_minutes")
        if sub.max_posts_per_hour < 1:
            raise ConfigError("must be at least 1", path=where, key=f"{key}.max_posts_per_hour")
        if sub.mention is not None and not re.fullmatch(r"[A-Za-z0-9]{1,32}", sub.mention):
            raise ConfigError(f"{sub.mention!r} is not a role or user group id; write the id "
                              "alone, e.g. mention = \"123456789012345678\" (Discord role) or "
                              "\"S0123ABCD\" (Slack user group)", path=where, key=f"{key}.mention")
        if sub.platform == "discord" and sub.mention is not None and not sub.mention.isdigit():
            raise ConfigError(f"{sub.mention!r} is not a Discord role id (digits only); copy it "
                              "with Developer Mode on: Server Settings -> Roles -> Copy Role ID",
                              path=where, key=f"{key}.mention")
    if sub.topic is not None and sub.topic not in seen:
        raise ConfigError(
            f"unknown topic {sub.topic!r}; use one of {sorted(seen)} or leave topic out",
            path=where,
            key=f"{key}.topic",
        )
    if not sub.channel.strip():
        raise ConfigError("channel must not be empty", path=where, key=f"{key}.channel")
    for name in ("include", "exclude", "feeds"):
        if any(not word.strip() for word in getattr(sub, name)):
            raise ConfigError("an empty entry matches nothing; remove it", path=where,
                              key=f"{key}.{name}")


_DIGEST_DEFAULTS = SubscriptionConfig(platform="console", channel="-")


def _validate_numbers(config: Config, where: str) -> None:
    positive = {
        "storage.keep_days": config.storage.keep_days,
        "fetch.max_bytes": config.fetch.max_bytes,
        "fetch.interval": config.fetch.interval,
        "fetch.max_age": config.fetch.max_age,
        "fetch.full_text_concurrency": config.fetch.full_text_concurrency,
        "text.max_chars": config.text.max_chars,
        "fetch.alert_after_hours": config.fetch.alert_after_hours,
        "limits.feeds_per_community": config.limits.feeds_per_community,
        "limits.subscriptions_per_community": config.limits.subscriptions_per_community,
    }
    for key, value in positive.items():
        if value < 1:
            raise ConfigError(f"must be at least 1, got {value}", path=where, key=key)
    for key, fvalue in {
        "storage.busy_timeout": config.storage.busy_timeout,
        "fetch.connect_timeout": config.fetch.connect_timeout,
        "fetch.read_timeout": config.fetch.read_timeout,
        "fetch.timeout": config.fetch.timeout,
        "fetch.full_text_timeout": config.fetch.full_text_timeout,
    }.items():
        if fvalue <= 0:
            raise ConfigError(f"must be a positive number of seconds, got {fvalue}", path=where,
                              key=key)
    if not 15 <= config.briefing.summary_words <= 300:
        raise ConfigError(f"must be between 15 and 300 words, got {config.briefing.summary_words}",
                          path=where, key="briefing.summary_words")
    if config.delivery.lease_seconds < 30:
        raise ConfigError(
            "must be at least 30 seconds, longer than one post takes, or a second process could "
            "take over a digest that is still being sent", path=where, key="delivery.lease_seconds")
    if config.delivery.grace_hours <= 0:
        raise ConfigError("must be more than 0 hours", path=where, key="delivery.grace_hours")
    if config.delivery.max_attempts < 1:
        raise ConfigError("must be at least 1", path=where, key="delivery.max_attempts")
    if config.fetch.max_redirects < 0:
        raise ConfigError("must be 0 or more", path=where, key="fetch.max_redirects")
    if not 1 <= config.slack.port <= 65535:
        raise ConfigError("must be a TCP port between 1 and 65535", path=where, key="slack.port")


def check_time(value: str, *, where: str = "<input>", key: str = "time") -> tuple[int, int]:
    m = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", value.strip())
    if not m:
        raise ConfigError(f"{value!r} is not a time; write \"HH:MM\", e.g. \"08:00\"", path=where,
                          key=key)
    return int(m.group(1)), int(m.group(2))


def check_timezone(value: str, *, where: str = "<input>", key: str = "timezone") -> ZoneInfo:
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise ConfigError(
            f"{value!r} is not an IANA time zone; write e.g. \"Europe/Berlin\" or \"UTC\"",
            path=where,
            key=key,
        ) from e


# --- generic dataclass builder --------------------------------------------------------------------


def _describe(tp: Any) -> str:
    origin = get_origin(tp)
    if origin is Literal:
        return " or ".join(repr(a) for a in get_args(tp))
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_describe(a) for a in get_args(tp) if a is not type(None))
    if origin is tuple:
        return f"a list of {_describe(get_args(tp)[0])}"
    names = {str: "a string", int: "an integer", float: "a number", bool: "true or false",
             Path: "a path (string)"}
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return "a table"
    return names.get(tp, str(tp))


def _convert(tp: Any, value: Any, key: str, where: str) -> Any:
    origin = get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        for arg in args:
            try:
                return _convert(arg, value, key, where)
            except ConfigError:
                continue
        raise ConfigError(f"expected {_describe(tp)}, got {_value_repr(value)}", path=where, key=key)
    if origin is Literal:
        if value in get_args(tp):
            return value
        raise ConfigError(f"expected {_describe(tp)}, got {_value_repr(value)}", path=where, key=key)
    if origin is tuple:
        inner = get_args(tp)[0]
        if not isinstance(value, list):
            raise ConfigError(f"expected {_describe(tp)}, got {_value_repr(value)}", path=where,
                              key=key)
        return tuple(_convert(inner, v, f"{key}[{i}]", where) for i, v in enumerate(value))
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise ConfigError(f"expected a table, got {_value_repr(value)}", path=where, key=key)
        return _build(tp, value, prefix=key + ".", where=where)
    found, converted = _scalar(tp, value)
    if found:
        return converted
    raise ConfigError(f"expected {_describe(tp)}, got {_value_repr(value)}", path=where, key=key)


def _scalar(tp: Any, value: Any) -> tuple[bool, Any]:
    """(True, the value as ``tp``) when ``value`` is one of the scalar type ``tp``, else (False,
    None)."""
    if tp is bool:
        if isinstance(value, bool):
            return True, value
    elif tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return True, value
    elif tp is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return True, float(value)
    elif tp is str:
        if isinstance(value, str):
            return True, value
    elif tp is Path and isinstance(value, str) and value:
        return True, Path(value)
    return False, None


def _value_repr(value: Any) -> str:
    kind = {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
            list: "a list", dict: "a table"}.get(type(value), type(value).__name__)
    text = repr(value)
    return f"{kind} ({text[:40]})" if not isinstance(value, (dict, list)) else kind


def _build(cls: Any, data: dict[str, Any], *, prefix: str, where: str,
           skip: frozenset[str] | set[str] = frozenset()) -> Any:
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.name not in skip}
    kwargs: dict[str, Any] = {}
    for name, value in data.items():
        key = prefix + name
        if name not in fields:
            close = _closest(name, list(fields))
            hint = f"; did you mean {close!r}?" if close else ""
            raise ConfigError(f"unknown key{hint} (valid keys: {', '.join(fields)})", path=where,
                              key=key)
        tp = hints[name]
        if get_origin(tp) is tuple and _is_dataclass_tuple(tp):
            inner = get_args(tp)[0]
            if not isinstance(value, list):
                raise ConfigError(f"expected an array of tables, written [[{name}]]", path=where,
                                  key=key)
            items = []
            for i, entry in enumerate(value):
                if not isinstance(entry, dict):
                    raise ConfigError(f"expected a table, written [[{name}]]", path=where,
                                      key=f"{key}[{i}]")
                items.append(_build(inner, entry, prefix=f"{key}[{i}].", where=where))
            kwargs[name] = tuple(items)
        else:
            kwargs[name] = _convert(tp, value, key, where)
    for name, f in fields.items():
        if name not in kwargs and f.default is dataclasses.MISSING and (
            f.default_factory is dataclasses.MISSING
        ):
            raise ConfigError(f"missing required key {name!r}", path=where, key=prefix + name)
    return cls(**kwargs)


def _is_dataclass_tuple(tp: Any) -> bool:
    args = get_args(tp)
    return bool(args) and isinstance(args[0], type) and dataclasses.is_dataclass(args[0])


def _closest(name: str, candidates: list[str]) -> str | None:
    matches = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    return matches[0] if matches else None
