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
from bot.i18n import label
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
    what = f"topic {sub.topic}" if sub.topic else "all topics"
    if sub.mode == "live":
        what = "live, " + what
    return f"{sub.platform} channel {sub.channel} ({what})"


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
        user: User | None = None, quiet: str = "line",
    ) -> tuple[SubscriptionRow, bool]:
        """Add or reschedule this channel's digest; returns it and whether it is new."""
        try:
            schedule = Schedule.parse(time, timezone)
        except ConfigError:
            if not _valid_time(time):
                raise CommandError(
                    f"{time!r} is not a time; write HH:MM in 24-hour form, e.g. time:08:00"
                ) from None
            raise CommandError(
                f"{timezone!r} is not an IANA time zone; write e.g. timezone:Europe/Berlin or "
                "timezone:UTC"
            ) from None
        sub_id = command_id(platform, channel, topic)
        for other in await self.store.subscriptions(platform=platform, channel=channel):
            if other.origin == "config" and other.topic == topic:
                raise CommandError(
                    f"This channel already gets this digest every day at {other.time} "
                    f"{other.timezone} from the config file; change it there ([[digests]])."
                )
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

    async def unsubscribe(self, *, platform: str, channel: str, topic: str | None) -> bool:
        """Remove this channel's /subscribe digest. Raises CommandError for config ones."""
        sub_id = command_id(platform, channel, topic)
        if await self.store.delete_subscription(sub_id):
            await self._changed()
            return True
        for other in await self.store.subscriptions(platform=platform, channel=channel):
            if other.origin == "config" and other.topic == topic:
                raise CommandError(
                    "This digest comes from the config file ([[digests]]), so it cannot be "
                    "removed from chat; ask the bot's operator to delete it there and restart."
                )
        return False

    async def subscribe_live(self, *, platform: str, channel: str, topic: str | None,
                             route: LiveRoute, user: User | None = None) -> Reply:
        """Add a live subscription from chat: it posts items first stored from now on."""
        sub_id = live_command_id(platform, channel, topic, route)
        existing = await self.store.subscription(sub_id)
        await self.store.upsert_subscription(SubscriptionRow(
            id=sub_id, platform=platform, channel=channel, time="", timezone="UTC", topic=topic,
            quiet="line", origin="command", created_by=user.id if user else None,
            created_at=self.clock.now(), mode="live", feeds=route.feeds, include=route.include,
            exclude=route.exclude))
        sub = await self.store.subscription(sub_id)
        assert sub is not None
        (what, limits) = live_status_lines(sub, "subscribed in chat")[:2]
        verb = "Subscribed" if existing is None else "Already subscribed"
        return Reply(title=f"{verb}: {what}; new items from now on. {limits}.", ephemeral=True)

    async def unsubscribe_live(self, *, platform: str, channel: str, topic: str | None,
                               sub_id: str | None) -> Reply:
        """Remove one live subscription of this channel: by id, or the only one (of a topic)."""
        mine = [s for s in await self.store.subscriptions(platform=platform, channel=channel)
                if s.mode == "live" and (sub_id is None or s.id == sub_id)
                and (sub_id is not None or s.topic == topic)]
        if not mine:
            return Reply(title="This channel has no such live subscription; /subscriptions lists "
                               "what it has, with ids.", ephemeral=True, is_error=True)
        if len(mine) > 1:
            return Reply(title="This channel has several live subscriptions; name one with "
                               "id:<id> (" + ", ".join(s.id for s in mine) + ").",
                         ephemeral=True, is_error=True)
        (sub,) = mine
        if sub.origin == "config":
            raise CommandError("This subscription comes from the config file ([[subscriptions]]), "
                               "so it cannot be removed from chat; ask the bot's operator.")
        await self.store.delete_subscription(sub.id)
        return Reply(title=f"Unsubscribed: {live_status_lines(sub, 'subscribed in chat')[0]} "
                           "stop here.", ephemeral=True)

    async def _changed(self) -> None:
        if self.on_change is not None:
            await self.on_change()

    # --- replies ----------------------------------------------------------------------------------

    async def subscribe_reply(
        self, *, platform: str, channel: str, time: str, timezone: str, topic: str | None,
        user: User,
    ) -> Reply:
        sub, new = await self.subscribe(platform=platform, channel=channel, time=time,
                                        timezone=timezone, topic=topic, user=user)
        when = _local(schedule_of(sub).instant(schedule_of(sub).next(self.clock.now())), sub)
        verb = "Subscribed" if new else "Rescheduled"
        what = f"the {topic} digest" if topic else "the daily digest"
        return Reply(title=f"{verb}: {what} every day at {sub.time} {sub.timezone}; "
                           f"the next one is due {when}.", ephemeral=True)

    async def unsubscribe_reply(self, *, platform: str, channel: str, topic: str | None) -> Reply:
        what = f"the {topic} digest" if topic else "the daily digest"
        if await self.unsubscribe(platform=platform, channel=channel, topic=topic):
            return Reply(title=f"Unsubscribed: this channel no longer gets {what}.",
                         ephemeral=True)
        return Reply(title=f"This channel has no subscription to {what}; /subscriptions lists "
                           "what it has.", ephemeral=True, is_error=True)

    async def subscriptions_reply(self, *, platform: str, channel: str | None) -> Reply:
        """This channel's subscriptions (all of them from the console, which has no channel)."""
        subs = await (self.store.subscriptions(platform=platform, channel=channel)
                      if channel is not None else self.store.subscriptions())
        title = label("subscriptions", self.language)
        if not subs:
            return Reply(title=title, sections=(Section(
                heading=title,
                text="No scheduled digests here. /subscribe time:08:00 timezone:Europe/Berlin "
                     "posts one every day.",
            ),))
        now = self.clock.now()
        sections = []
        for sub in subs:
            sections.append(Section(heading=describe_target(sub),
                                    bullets=tuple(await self.status_lines(sub, now))))
        return Reply(title=title, sections=tuple(sections))

    async def status_lines(self, sub: SubscriptionRow, now: datetime) -> list[str]:
        origin = "from the config file" if sub.origin == "config" else (
            f"subscribed by {sub.created_by}" if sub.created_by else "subscribed in chat")
        if sub.mode == "live":
            return live_status_lines(sub, origin)
        lines = [f"every day at {sub.time} {sub.timezone}, {origin}"]
        if sub.disabled_reason:
            lines.append(f"DISABLED since {_utc(sub.disabled_at)}: {sub.disabled_reason}")
        else:
            schedule = schedule_of(sub)
            lines.append(f"next: {_local(schedule.instant(schedule.next(now)), sub)}")
        lines.append("last: " + describe_delivery(await self.store.last_delivery(sub.id)))
        return lines

    async def notices(self) -> list[str]:
        return await disabled_notices(self.store)


def live_status_lines(sub: SubscriptionRow, origin: str) -> list[str]:
    """What /subscriptions says of a live subscription: its route and its id (for /unsubscribe)."""
    route = "feeds " + ", ".join(sub.feeds) if sub.feeds else "all feeds"
    if sub.include:
        route += "; with " + " or ".join(repr(w) for w in sub.include)
    if sub.exclude:
        route += "; without " + ", ".join(repr(w) for w in sub.exclude)
    batch = f"batched every {sub.batch_minutes} min" if sub.batch_minutes else "one post per item"
    lines = [f"live posts ({route}), {origin}",
             f"{batch}, at most {sub.max_posts_per_hour} per hour; id {sub.id}"]
    if sub.disabled_reason:
        lines.append(f"DISABLED since {_utc(sub.disabled_at)}: {sub.disabled_reason}")
    return lines


async def disabled_notices(store: DeliveriesStorage,
                           communities: CommunitySubscriptionsStorage | None = None,
                           community: str | None = None) -> list[str]:
    """One line per subscription a permanent error disabled, for /sources: with ``community``
    only its own and the config's (another community's channels are not named)."""
    owners = await communities.communities() if communities is not None and community else {}
    return [f"digest to {describe_target(s)} is disabled: {s.disabled_reason}"
            for s in await store.subscriptions() if s.disabled_reason
            and (not community or s.origin == "config" or owners.get(s.id) == community)]


def describe_delivery(row: DeliveryRow | None) -> str:
    if row is None:
        return "none yet"
    if row.state == SENT:
        text = f"sent for {row.slot} at {_utc(row.finished_at)}"
        if row.possible_duplicate:
            text += (" — possibly posted twice: the platform could not tell whether an interrupted "
                     "earlier attempt had gone through")
        return text
    if row.state == SKIPPED:
        return f"skipped {row.slot}: {row.last_error or 'no reason recorded'}"
    if row.state == FAILED:
        return f"failed {row.slot}: {row.last_error or 'no reason recorded'}"
    return f"being delivered for {row.slot} (attempt {max(row.attempts, 1)})"


def _valid_time(value: str) -> bool:
    try:
        Schedule.parse(value, "UTC")
    except ConfigError:
        return False
    return True


def _utc(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else "—"


def _local(moment: datetime, sub: SubscriptionRow) -> str:
    local = moment.astimezone(schedule_of(sub).zone)
    text = f"{slot_key(local.date())} {local:%H:%M %Z}"
    return text if sub.timezone == "UTC" else f"{text} ({moment.astimezone(UTC):%H:%M} UTC)"
