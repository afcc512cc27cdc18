"""Who gets a digest when: ``[[digests]]`` from the config file and ``/subscribe`` from chat.

Both live in one table so the scheduler and the delivery log treat them alike. Config subscriptions
are copied in at every start (the file wins; they cannot be removed from chat). Ids are stable hashes
of what a subscription *is* (platform, channel, topic), not of its time, so moving a digest from 08:00
to 09:00 keeps its delivery log and cannot post a second digest for a day already served.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.config import SubscriptionConfig
from bot.delivery.slots import Schedule, slot_key
from bot.errors import CommandError, ConfigError
from bot.i18n import label, phrase, when
from bot.model import Reply, Section, User
from bot.ports import Clock
from bot.storage.communities_feeds import CommunitySubscriptionsStorage
from bot.storage.deliveries import (
    FAILED,
    SENT,
    SKIPPED,
    DeliveryRow,
    SubscriptionRow,
)
from bot.storage.protocols import DeliveriesStorage

log = logging.getLogger(__name__)

Subscription = SubscriptionRow
OnChange = Callable[[], Awaitable[None]]


def _digest_id(prefix: str, *parts: str) -> str:
    return prefix + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


def config_ids(digests: Sequence[SubscriptionConfig]) -> list[str]:
    """Stable ids for ``[[subscriptions]]``/``[[digests]]``: by channel and topic (a digest's id is
    the last wave's); entries sharing both add their time; a live one adds its mode and route."""
    keys = [_identity(d) for d in digests]
    ids = []
    for key, d in zip(keys, digests, strict=True):
        parts = key if keys.count(key) == 1 else (*key, d.digest_time)
        ids.append(_digest_id("cfg:", *parts))
    return ids


def _identity(d: SubscriptionConfig) -> tuple[str, ...]:
    base = (d.platform, d.channel.strip(), d.topic or "")
    if d.mode == "digest":
        return base
    return (*base, "live", ",".join(d.feeds), ",".join(d.include), ",".join(d.exclude))


def config_row(sub_id: str, d: SubscriptionConfig, now: datetime) -> SubscriptionRow:
    live = d.mode == "live"
    return SubscriptionRow(
        id=sub_id, platform=d.platform, channel=d.channel.strip(),
        time="" if live else d.digest_time, timezone="UTC" if live else d.digest_timezone,
        topic=d.topic, quiet=d.digest_quiet, origin="config", created_by=None, created_at=now,
        mode=d.mode, feeds=d.feeds, include=d.include, exclude=d.exclude,
        batch_minutes=d.batch_minutes, max_posts_per_hour=d.max_posts_per_hour, thread=d.thread,
        mention=d.mention,
    )


def command_id(platform: str, channel: str, topic: str | None) -> str:
    return _digest_id("sub:", platform, channel, topic or "")


def schedule_of(sub: SubscriptionRow) -> Schedule:
    return Schedule.parse(sub.time, sub.timezone)


def describe_target(sub: SubscriptionRow) -> str:
    """The subscription for the log (always English; chat gets ``target_text``)."""
    what = f"topic {sub.topic}" if sub.topic else "all topics"
    if sub.mode == "live":
        what = "live, " + what
    return f"{sub.platform} channel {sub.channel} ({what})"


def target_text(sub: SubscriptionRow, language: str) -> str:
    """The subscription as a heading in chat: platform, channel, what it gets."""
    what = (phrase("sub_one_topic", language, topic=sub.topic) if sub.topic
            else label("sub_all_topics", language))
    if sub.mode == "live":
        what = phrase("sub_live_target", language, what=what)
    return phrase("sub_target", language, platform=sub.platform.capitalize(), channel=sub.channel,
                  what=what)


def _digest_what(topic: str | None, language: str, *, accusative: bool = False) -> str:
    """"der Tagesüberblick" / "den Überblick zum Thema ki": German declines after the verb."""
    suffix = "_acc" if accusative else ""
    if topic:
        return phrase(f"sub_topic{suffix}", language, topic=topic)
    return label(f"sub_daily{suffix}", language)


@dataclass(frozen=True)
class LiveRoute:
    """What ``/subscribe mode:live`` names: the feeds and the include/exclude words."""

    feeds: tuple[str, ...] = ()
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()


def live_command_id(platform: str, channel: str, topic: str | None, route: LiveRoute) -> str:
    return _digest_id("live:", platform, channel, topic or "", ",".join(route.feeds),
                      ",".join(route.include), ",".join(route.exclude))


class SubscriptionService:
    """The subscription table, and the replies of /subscribe, /unsubscribe and /subscriptions."""

    def __init__(
        self,
        store: DeliveriesStorage,
        clock: Clock,
        *,
        language: str = "en",
        on_change: OnChange | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.language = language
        self.on_change = on_change

    async def sync_config(self, digests: Sequence[SubscriptionConfig]) -> list[SubscriptionRow]:
        """Copy ``[[subscriptions]]`` into the table (re-enabling any a permanent error disabled);
        returns the enabled digest subscriptions."""
        now = self.clock.now()
        ids = config_ids(digests)
        for sub_id, d in zip(ids, digests, strict=True):
            await self.store.upsert_subscription(config_row(sub_id, d, now))
        for gone in await self.store.delete_config_subscriptions_except(ids):
            log.info("subscription %s was removed from the config file", gone)
        return await self.enabled()

    async def enabled(self) -> list[SubscriptionRow]:
        """Enabled digest subscriptions (live ones are posted by ``bot.delivery.live``)."""
        return [s for s in await self.store.subscriptions() if s.enabled and s.mode == "digest"]

    async def all(self) -> list[SubscriptionRow]:
        """Digest subscriptions, enabled or not."""
        return [s for s in await self.store.subscriptions() if s.mode == "digest"]

    async def subscribe(
        self, *, platform: str, channel: str, time: str, timezone: str, topic: str | None,
        user: User | None = None, quiet: str = "line", language: str | None = None,
    ) -> tuple[SubscriptionRow, bool]:
        """Add or reschedule this channel's digest; returns it and whether it is new.

        Raises:
            CommandError: a bad time or zone, or a config digest of this channel (in ``language``).
        """
        lang = language or self.language
        try:
            schedule = Schedule.parse(time, timezone)
        except ConfigError:
            if not _valid_time(time):
                raise CommandError(phrase("sub_bad_time", lang, time=repr(time))) from None
            raise CommandError(phrase("sub_bad_zone", lang, timezone=repr(timezone))) from None
        sub_id = command_id(platform, channel, topic)
        for other in await self.store.subscriptions(platform=platform, channel=channel):
            if other.origin == "config" and other.topic == topic:
                raise CommandError(phrase("sub_config_conflict", lang, time=other.time,
                                          timezone=other.timezone))
        existing = await self.store.subscription(sub_id)
        await self.store.upsert_subscription(SubscriptionRow(
            id=sub_id, platform=platform, channel=channel,
            time=f"{schedule.hour:02d}:{schedule.minute:02d}", timezone=timezone, topic=topic,
            quiet=quiet, origin="command", created_by=user.id if user else None,
            created_at=self.clock.now(),
        ))
        await self._changed()
        sub = await self.store.subscription(sub_id)
        assert sub is not None
        return sub, existing is None

    async def unsubscribe(self, *, platform: str, channel: str, topic: str | None,
                          language: str | None = None) -> bool:
        """Remove this channel's /subscribe digest.

        Raises:
            CommandError: the digest is a config one (in ``language``).
        """
        sub_id = command_id(platform, channel, topic)
        if await self.store.delete_subscription(sub_id):
            await self._changed()
            return True
        for other in await self.store.subscriptions(platform=platform, channel=channel):
            if other.origin == "config" and other.topic == topic:
                raise CommandError(label("sub_config_fixed", language or self.language))
        return False

    async def subscribe_live(self, *, platform: str, channel: str, topic: str | None,
                             route: LiveRoute, user: User | None = None,
                             language: str | None = None) -> Reply:
        """Add a live subscription from chat: it posts items first stored from now on."""
        lang = language or self.language
        sub_id = live_command_id(platform, channel, topic, route)
        existing = await self.store.subscription(sub_id)
        await self.store.upsert_subscription(SubscriptionRow(
            id=sub_id, platform=platform, channel=channel, time="", timezone="UTC", topic=topic,
            quiet="line", origin="command", created_by=user.id if user else None,
            created_at=self.clock.now(), mode="live", feeds=route.feeds, include=route.include,
            exclude=route.exclude))
        sub = await self.store.subscription(sub_id)
        assert sub is not None
        key = "live_subscribed" if existing is None else "live_already"
        return Reply(title=phrase(key, lang, what=live_route_text(sub, lang),
                                  limits=live_limits_text(sub, lang)), ephemeral=True)

    async def unsubscribe_live(self, *, platform: str, channel: str, topic: str | None,
                               sub_id: str | None, language: str | None = None) -> Reply:
        """Remove one live subscription of this channel: by id, or the only one (of a topic).

        Raises:
            CommandError: the subscription is a config one (in ``language``).
        """
        lang = language or self.language
        mine = [s for s in await self.store.subscriptions(platform=platform, channel=channel)
                if s.mode == "live" and (sub_id is None or s.id == sub_id)
                and (sub_id is not None or s.topic == topic)]
        if not mine:
            return Reply(title=label("live_not_found", lang), ephemeral=True, is_error=True)
        if len(mine) > 1:
            return Reply(title=phrase("live_several", lang, ids=", ".join(s.id for s in mine)),
                         ephemeral=True, is_error=True)
        (sub,) = mine
        if sub.origin == "config":
            raise CommandError(label("live_config_fixed", lang))
        await self.store.delete_subscription(sub.id)
        return Reply(title=phrase("live_unsubscribed", lang, what=live_route_text(sub, lang)),
                     ephemeral=True)

    async def _changed(self) -> None:
        if self.on_change is not None:
            await self.on_change()

    # --- replies ----------------------------------------------------------------------------------

    async def subscribe_reply(
        self, *, platform: str, channel: str, time: str, timezone: str, topic: str | None,
        user: User, language: str | None = None,
    ) -> Reply:
        lang = language or self.language
        sub, new = await self.subscribe(platform=platform, channel=channel, time=time,
                                        timezone=timezone, topic=topic, user=user, language=lang)
        due = _local(schedule_of(sub).instant(schedule_of(sub).next(self.clock.now())), sub)
        return Reply(title=phrase("sub_subscribed" if new else "sub_rescheduled", lang,
                                  what=_digest_what(topic, lang), time=sub.time,
                                  timezone=sub.timezone, when=due), ephemeral=True)

    async def unsubscribe_reply(self, *, platform: str, channel: str, topic: str | None,
                                language: str | None = None) -> Reply:
        lang = language or self.language
        what = _digest_what(topic, lang, accusative=True)
        if await self.unsubscribe(platform=platform, channel=channel, topic=topic, language=lang):
            return Reply(title=phrase("sub_unsubscribed", lang, what=what), ephemeral=True)
        return Reply(title=phrase("sub_not_found", lang, what=what), ephemeral=True,
                     is_error=True)

    async def subscriptions_reply(self, *, platform: str, channel: str | None,
                                  language: str | None = None) -> Reply:
        """This channel's subscriptions (all of them from the console, which has no channel)."""
        lang = language or self.language
        subs = await (self.store.subscriptions(platform=platform, channel=channel)
                      if channel is not None else self.store.subscriptions())
        title = label("subscriptions", lang)
        if not subs:
            # the title says it: no heading again above the one line
            return Reply(title=title, sections=(Section(heading="", text=label("sub_empty", lang)),))
        now = self.clock.now()
        sections = []
        for sub in subs:
            sections.append(Section(heading=target_text(sub, lang),
                                    bullets=tuple(await self.status_lines(sub, now, lang))))
        return Reply(title=title, sections=tuple(sections))

    async def status_lines(self, sub: SubscriptionRow, now: datetime,
                           language: str | None = None) -> list[str]:
        lang = language or self.language
        origin = label("sub_from_config", lang) if sub.origin == "config" else (
            phrase("sub_by", lang, user=sub.created_by) if sub.created_by
            else label("sub_in_chat", lang))
        if sub.mode == "live":
            return live_status_lines(sub, origin, lang)
        lines = [phrase("sub_every_day", lang, time=sub.time, timezone=sub.timezone,
                        origin=origin)]
        if sub.disabled_reason:
            lines.append(phrase("sub_disabled", lang, since=_utc(sub.disabled_at, lang),
                                reason=sub.disabled_reason))
        else:
            schedule = schedule_of(sub)
            lines.append(phrase("sub_next", lang,
                                when=_local(schedule.instant(schedule.next(now)), sub)))
        lines.append(phrase("sub_last", lang, what=describe_delivery(
            await self.store.last_delivery(sub.id), lang)))
        return lines

    async def notices(self) -> list[str]:
        return await disabled_notices(self.store, language=self.language)


def live_route_text(sub: SubscriptionRow, language: str) -> str:
    """``live posts (feeds heise; with 'DeepSeek')``: what a live subscription posts."""
    route = (phrase("live_feeds", language, names=", ".join(sub.feeds)) if sub.feeds
             else label("live_all_feeds", language))
    if sub.include:
        joiner = f" {label('live_or', language)} "
        route += "; " + phrase("live_with", language, words=joiner.join(repr(w)
                                                                         for w in sub.include))
    if sub.exclude:
        route += "; " + phrase("live_without", language,
                               words=", ".join(repr(w) for w in sub.exclude))
    return phrase("live_route", language, route=route)


def live_limits_text(sub: SubscriptionRow, language: str) -> str:
    batch = (phrase("live_batched", language, minutes=sub.batch_minutes) if sub.batch_minutes
             else label("live_one_post", language))
    return phrase("live_limits", language, batch=batch, n=sub.max_posts_per_hour, id=sub.id)


def live_status_lines(sub: SubscriptionRow, origin: str, language: str = "en") -> list[str]:
    """What /subscriptions says of a live subscription: its route and its id (for /unsubscribe)."""
    lines = [f"{live_route_text(sub, language)}, {origin}", live_limits_text(sub, language)]
    if sub.disabled_reason:
        lines.append(phrase("sub_disabled", language, since=_utc(sub.disabled_at, language),
                            reason=sub.disabled_reason))
    return lines


async def disabled_notices(store: DeliveriesStorage,
                           communities: CommunitySubscriptionsStorage | None = None,
                           community: str | None = None, *, language: str = "en") -> list[str]:
    """One line per subscription a permanent error disabled, for /sources: with ``community``
    only its own and the config's (another community's channels are not named)."""
    owners = await communities.communities() if communities is not None and community else {}
    return [phrase("sub_notice", language, target=target_text(s, language),
                   reason=s.disabled_reason)
            for s in await store.subscriptions() if s.disabled_reason
            and (not community or s.origin == "config" or owners.get(s.id) == community)]


def describe_delivery(row: DeliveryRow | None, language: str = "en") -> str:
    if row is None:
        return label("sub_none_yet", language)
    reason = row.last_error or label("sub_no_reason", language)
    if row.state == SENT:
        text = phrase("sub_sent", language, slot=row.slot, when=_utc(row.finished_at, language))
        if row.possible_duplicate:
            text += " — " + label("sub_twice", language)
        return text
    if row.state == SKIPPED:
        return phrase("sub_skipped", language, slot=row.slot, reason=reason)
    if row.state == FAILED:
        return phrase("sub_failed", language, slot=row.slot, reason=reason)
    return phrase("sub_delivering", language, slot=row.slot, attempt=max(row.attempts, 1))


def _valid_time(value: str) -> bool:
    try:
        Schedule.parse(value, "UTC")
    except ConfigError:
        return False
    return True


def _utc(moment: datetime | None, language: str = "en") -> str:
    return when(moment, language) if moment else "—"


def _local(moment: datetime, sub: SubscriptionRow) -> str:
    local = moment.astimezone(schedule_of(sub).zone)
    text = f"{slot_key(local.date())} {local:%H:%M %Z}"
    return text if sub.timezone == "UTC" else f"{text} ({moment.astimezone(UTC):%H:%M} UTC)"
