"""The publishers the delivery service posts through, one per platform.

Platforms connect after the app is built: a Discord or Slack client needs the command router, which
the composition root builds first. So the registry is made once by ``bot.app.build_app`` and a
platform's entry point hands its publisher over with ``connect`` when its client is up; the delivery
service reads the registry at send time, so a platform connected later counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from bot.ports import Publisher


class Publishers(Mapping[str, Publisher]):
    def __init__(self, publishers: Iterable[Publisher] = ()) -> None:
        self._by_platform: dict[str, Publisher] = {}
        for publisher in publishers:
            self.connect(publisher)

    def connect(self, publisher: Publisher) -> None:
        """Post ``publisher.platform``'s digests through ``publisher`` from now on."""
        self._by_platform[publisher.platform] = publisher

    def __getitem__(self, platform: str) -> Publisher:
        return self._by_platform[platform]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_platform)

    def __len__(self) -> int:
        return len(self._by_platform)
