"""``/feeds add``, ``/feeds remove``, ``/feeds list``: a community's feeds, in its words.

The rules (limits, config feeds, one source per URL) are ``bot.feeds.manage``'s; this module only
checks the permission and writes the outcome in the label table's words.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from bot.errors import BriefbotError, CommandError, PermissionDenied
from bot.feeds.health import SourceHealth
from bot.feeds.manage import AddOutcome, FeedManager, ListedFeed, RemoveOutcome, community_key
from bot.i18n import duration, fetch_error, label, phrase, when
from bot.model import CommandSpec, OptionSpec, Reply, Section, User

log = logging.getLogger(__name__)

ADMIN_ACTIONS = ("add", "remove")
ACTIONS = ("add", "remove", "list")


def feeds_spec(language: str) -> CommandSpec:
    """``/feeds``: on Discord a command with the subcommands add, remove and list; in the text
    form (Slack, console) the first word is the action: ``/feeds add url:… name:…``."""
    url = OptionSpec("url", label("opt_feeds_url", language), required=True)
    name = OptionSpec("name", label("opt_feeds_name", language))
    return CommandSpec(
        "feeds", label("cmd_feeds", language),
        options=(OptionSpec("action", label("opt_feeds_action", language), choices=ACTIONS),
                 OptionSpec("url", url.description), name),
        usage="/feeds add url:URL [name:NAME] | /feeds remove name:NAME | /feeds list",
        subcommands=(
            CommandSpec("add", label("cmd_feeds_add", language), options=(url, name),
                        admin_only=True),
            CommandSpec("remove", label("cmd_feeds_remove", language),
                        options=(OptionSpec("name", name.description, required=True),),
                        admin_only=True),
            CommandSpec("list", label("cmd_feeds_list", language)),
        ),
    )


def health_line(health: SourceHealth, language: str, now: datetime) -> str:
    """A feed's state, last success, last error and next poll in the community's words, dates
    and durations as its language writes them, the error from its code."""
    if health.kind == "seed":
        return phrase("health_seed", language, name=health.name)
    name = health.name if health.name == health.url else f"{health.name} ({health.url})"
    last = when(health.last_success, language)
    if health.consecutive_failures:
        times = label("health_once", language) if health.consecutive_failures == 1 else \
            phrase("health_times", language, n=health.consecutive_failures)
        since = health.failing_since or now
        state = phrase("health_failing", language, duration=duration(now - since, language),
                       since=when(since, language), times=times,
                       error=fetch_error(health.last_error, language), when=last)
    elif health.last_success is None:
        state = label("health_not_fetched", language)
    else:
        state = phrase("health_ok", language, when=last)
        if health.warning:
            state += f" ({phrase('health_warning', language, warning=health.warning)})"
        elif health.last_error:
            error = fetch_error(health.last_error, language)
            state += f" ({phrase('health_last_error', language, error=error)})"
    if health.next_poll is not None:
        state += "; " + (phrase("health_next_poll", language, when=when(health.next_poll, language),
                                duration=duration(health.next_poll - now, language))
                         if health.next_poll > now else label("health_poll_due", language))
    if health.polled_by:
        state += "; " + phrase("health_polled_by", language, worker=health.polled_by)
    return f"{name} — {state}"


class FeedAnswers:
    def __init__(self, manager: FeedManager, language: str, *,
                 follows_changed: Callable[[], Awaitable[None]] | None = None) -> None:
        """``follows_changed``: run after a feed was followed or left (the claims ranked for
        the community again at once, ``ClaimAnswers.follows_changed``)."""
        self.manager = manager
        self.language = language
        self.follows_changed = follows_changed

    async def feeds(self, *, action: str, url: str | None, name: str | None, user: User,
                    platform: str, community: str | None, language: str | None = None) -> Reply:
        """Raises:
        PermissionDenied: add or remove by someone who is not an admin.
        CommandError: add without url:, remove without name:.
        """
        language = language or self.language
        if action in ADMIN_ACTIONS and not user.is_admin:
            raise PermissionDenied(phrase("feeds_admins", language, action=action))
        key = community_key(platform, community)
        if action == "add":
            if not url:
                raise CommandError(phrase("feeds_need_url", language))
            added = await self.manager.add(key, url, name, user.id)
            if added.status == "added":
                await self._follows_changed()
            return self._added(added, language)
        if action == "remove":
            if not name:
                raise CommandError(phrase("feeds_need_name", language))
            removed = await self.manager.remove(key, name)
            if removed.status == "removed":
                await self._follows_changed()
            return self._removed(removed, language)
        return self._listing(await self.manager.listing(key), language)

    async def _follows_changed(self) -> None:
        """The feed was added or removed already: a re-rank that fails is logged, not told to the
        user as if the command had failed (the next ledger step ranks the community again)."""
        if self.follows_changed is None:
            return
        try:
            await self.follows_changed()
        except BriefbotError as error:
            log.warning("claims not ranked again after a feed change: %s", error)

    def _added(self, outcome: AddOutcome, language: str) -> Reply:
        args = {"url": outcome.url, "name": outcome.name, "title": outcome.title or outcome.url,
                "entries": outcome.entries, "error": fetch_error(outcome.error, language),
                "limit": outcome.limit}
        key = {"added": "feeds_added", "already": "feeds_already", "config": "feeds_in_config",
               "limit": "feeds_limit", "failed": "feeds_failed",
               "name_taken": "feeds_name_taken", "bad_url": "feeds_bad_url"}[outcome.status]
        if outcome.status != "added":
            return Reply(title=phrase(key, language, **args), ephemeral=True,
                         is_error=outcome.status != "already")
        notes = (phrase("feeds_discovered", language, url=outcome.url),) \
            if outcome.discovered else ()
        return Reply(title=phrase(key, language, **args),
                     sections=(Section(heading=label("feeds", language), bullets=notes),)
                     if notes else ())

    def _removed(self, outcome: RemoveOutcome, language: str) -> Reply:
        key = {"removed": "feeds_removed", "config": "feeds_remove_config",
               "unknown": "feeds_unknown"}[outcome.status]
        return Reply(title=phrase(key, language, name=outcome.name, url=outcome.url),
                     ephemeral=outcome.status != "removed", is_error=outcome.status != "removed")

    def _listing(self, feeds: list[ListedFeed], language: str) -> Reply:
        title = label("feeds", language)
        if not feeds:
            return Reply(title=title, sections=(Section(heading="", bullets=(
                phrase("feeds_none", language),)),))
        now = self.manager.clock.now()
        bullets = []
        for feed in feeds:  # under the community's (or the config's) name for it
            line = health_line(dataclasses.replace(feed.health, name=feed.name), language, now)
            if feed.origin == "config":
                line += f" — {label('feeds_from_config', language)}"
            elif feed.origin == "shared":
                line += f" — {label('feeds_shared', language)}"
            bullets.append(line)
        # the title says it: no heading again above the list
        return Reply(title=title, sections=(Section(heading="", bullets=tuple(bullets)),))
