"""HTTP fetching under the feed safety rules.

Redirects are followed by hand so that every hop is checked (scheme, address, count, loops). Host
names are checked in the resolver, so the address checked is the one connected to (no DNS rebinding
between check and connect). aiohttp skips the resolver for IP literals: those are checked per hop,
on the host as yarl normalised it (IDNA maps fullwidth digits, ideographic full stops and circled
digits to ASCII, so ``１２７。０。０。１`` is the literal 127.0.0.1), and the request is made with that
same parsed URL, so the host checked is the host connected to.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from multidict import CIMultiDict
from yarl import URL

from bot.config import FetchConfig
from bot.errors import FeedError
from bot.feeds.addresses import IPAddress, is_public_address, parse_address, refusal
from bot.ports import FetchResponse

ACCEPT = ("application/rss+xml, application/atom+xml, application/feed+json, "
          "application/xml;q=0.9, text/xml;q=0.9, text/html;q=0.8, */*;q=0.5")
REDIRECTS = frozenset({301, 302, 303, 307, 308})
CHUNK = 64 * 1024

PRIVATE_HINT = " (set [fetch] allow_private_networks = true to allow it)"


class AddressRefused(OSError):
    """A host resolved only to addresses briefbot must not connect to."""


class HTTPStatusError(FeedError):
    """The server answered with an error status; ``retry_after`` in seconds when it said so."""

    def __init__(self, status: int, reason: str, *, url: str, retry_after: float | None) -> None:
        self.status = status
        self.retry_after = retry_after
        reason = " ".join(reason.split())[:60]  # the server's words: one short line
        text = f"HTTP {status} {reason}".strip()
        if retry_after is not None:
            text += f" (retry after {round(retry_after)} s)"
        super().__init__(text, url=url, code="http_status", args={"status": status})


__all__ = ["AddressRefused", "HTTPStatusError", "HttpFetcher", "SafeResolver", "is_public_address",
           "parse_retry_after"]


class SafeResolver(AbstractResolver):
    """Drops every resolved address the policy refuses; raises when none is left."""

    def __init__(self, allowed: Callable[[IPAddress], bool],
                 inner: AbstractResolver | None = None) -> None:
        self._allowed = allowed
        self._inner = inner

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        if self._inner is None:
            self._inner = aiohttp.ThreadedResolver()
        results = await self._inner.resolve(host, port, family)
        kept = [r for r in results if self._permits(r["host"])]
        if not kept:
            shown = ", ".join(sorted({r["host"] for r in results})) or "nothing"
            raise AddressRefused(f"refused: {host} resolves to a non-public address ({shown})"
                                 f"{PRIVATE_HINT}")
        return kept

    def _permits(self, address: str) -> bool:
        ip = parse_address(address)
        return ip is not None and self._allowed(ip)

    async def close(self) -> None:
        if self._inner is not None:
            await self._inner.close()


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP-date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


Trusted = IPAddress | tuple[IPAddress, int]


class HttpFetcher:
    """``bot.ports.Fetcher`` over aiohttp. One session, created lazily inside the running loop."""

    def __init__(
        self,
        config: FetchConfig,
        *,
        inner_resolver: AbstractResolver | None = None,
        trusted: Iterable[Trusted] = (),
    ) -> None:
        self.config = config
        self._inner_resolver = inner_resolver
        # addresses (every port) or (address, port) pairs a test may treat as public (the fixture
        # server) while the rule stays on for everything else
        wanted = list(trusted)
        self._trusted = frozenset(t for t in wanted if not isinstance(t, tuple))
        self._trusted_ports = frozenset(t for t in wanted if isinstance(t, tuple))
        self._session: aiohttp.ClientSession | None = None

    def allowed(self, ip: IPAddress, port: int | None = None) -> bool:
        return (self.config.allow_private_networks or ip in self._trusted
                or (ip, port) in self._trusted_ports or is_public_address(ip))

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            cfg = self.config
            connector = aiohttp.TCPConnector(
                resolver=SafeResolver(self.allowed, self._inner_resolver), limit=20,
                limit_per_host=4,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                trust_env=False,
                timeout=aiohttp.ClientTimeout(total=cfg.timeout, sock_connect=cfg.connect_timeout,
                                              sock_read=cfg.read_timeout),
                headers={"User-Agent": cfg.user_agent, "Accept": ACCEPT},
                cookie_jar=aiohttp.DummyCookieJar(),
            )
        return self._session

    def check_url(self, url: str) -> URL:
        """The URL as aiohttp will request it; FeedError when briefbot must not request it.

        The host is checked as yarl normalised it (the form aiohttp connects to), never as written.
        """
        try:
            parsed = URL(url)
            host = parsed.host
            port = parsed.port
        except (ValueError, UnicodeError) as e:
            raise FeedError(f"not a valid URL ({e})", url=url, code="bad_url") from e
        if parsed.scheme.lower() not in ("http", "https"):
            raise FeedError(f"refused: only http and https URLs are fetched, not {parsed.scheme!r}",
                            url=url, code="bad_scheme", args={"scheme": parsed.scheme})
        if not host:
            raise FeedError("the URL has no host", url=url, code="no_host")
        ip = parse_address(host)
        if ip is not None and not self.allowed(ip, port):
            written = urlsplit(url).hostname or host
            shown = host if written == host else f"{written} (read as {host})"
            raise FeedError(f"refused: {shown} is not a public address ({refusal(ip)})"
                            f"{PRIVATE_HINT}", url=url, code="not_public", args={"host": shown})
        return parsed

    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResponse:
        session = self._get_session()
        conditional: dict[str, str] = {}
        if etag:
            conditional["If-None-Match"] = etag
        if last_modified:
            conditional["If-Modified-Since"] = last_modified
        redirects: list[str] = []
        seen = {url}
        current = url
        while True:
            target = self.check_url(current)
            try:
                async with session.get(target, headers=conditional, allow_redirects=False) as resp:
                    if resp.status in REDIRECTS:
                        current = self._next_hop(url, current, resp, seen, redirects)
                        continue
                    headers = CIMultiDict(resp.headers)
                    if resp.status == 304:
                        return FetchResponse(current, 304, headers, b"", False, tuple(redirects))
                    if not 200 <= resp.status < 300:
                        raise HTTPStatusError(
                            resp.status, resp.reason or "", url=current,
                            retry_after=parse_retry_after(resp.headers.get("Retry-After")),
                        )
                    body, truncated = await self._read(resp)
                    return FetchResponse(current, resp.status, headers, body, truncated,
                                         tuple(redirects))
            except FeedError:
                raise
            except TimeoutError as e:
                raise FeedError(self.timeout_reason(e), url=current, code="timeout") from e
            except aiohttp.ClientConnectorError as e:
                if isinstance(e.os_error, AddressRefused):
                    raise FeedError(str(e.os_error), url=current, code="not_public",
                                    args={"host": e.host}) from e
                raise FeedError(f"cannot connect to {e.host}: {e.os_error.strerror or e.os_error}",
                                url=current, code="no_connection", args={"host": e.host}) from e
            except aiohttp.ClientResponseError as e:
                raise FeedError(f"invalid HTTP response ({e.message})", url=current,
                                code="bad_response") from e
            except aiohttp.ClientPayloadError as e:
                raise FeedError("the connection broke while reading the body", url=current,
                                code="broken_body") from e
            except (aiohttp.ClientError, OSError, ValueError) as e:
                raise FeedError(f"request failed ({type(e).__name__}: {e})", url=current,
                                code="request_failed") from e

    def _next_hop(self, url: str, current: str, resp: aiohttp.ClientResponse, seen: set[str],
                  redirects: list[str]) -> str:
        """The redirect's target (checked like any URL at the top of the next hop)."""
        location = resp.headers.get("Location")
        if not location:
            raise FeedError(f"HTTP {resp.status} redirect without a Location", url=current,
                            code="bad_redirect")
        target = urljoin(current, location.strip())
        if target in seen:
            raise FeedError("redirect loop", url=url, code="redirect_loop")
        if len(redirects) >= self.config.max_redirects:
            raise FeedError(f"more than {self.config.max_redirects} redirects", url=url,
                            code="too_many_redirects", args={"n": self.config.max_redirects})
        seen.add(target)
        redirects.append(target)
        return target

    def timeout_reason(self, error: TimeoutError) -> str:
        """Which deadline fired: connecting, waiting for data, or the whole request."""
        cfg = self.config
        if isinstance(error, aiohttp.ConnectionTimeoutError):
            return (f"timed out connecting (no connection within {cfg.connect_timeout:g} s, "
                    "[fetch] connect_timeout)")
        if isinstance(error, aiohttp.SocketTimeoutError):
            return (f"timed out reading (no data for {cfg.read_timeout:g} s, "
                    "[fetch] read_timeout)")
        return (f"timed out (the whole request took longer than {cfg.timeout:g} s, "
                "[fetch] timeout)")

    async def _read(self, resp: aiohttp.ClientResponse) -> tuple[bytes, bool]:
        """At most ``max_bytes`` of the (decompressed) body; stops reading past it."""
        limit = self.config.max_bytes
        chunks: list[bytes] = []
        size = 0
        async for chunk in resp.content.iter_chunked(CHUNK):
            if size + len(chunk) > limit:
                chunks.append(chunk[: limit - size])
                return b"".join(chunks), True
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks), False

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
