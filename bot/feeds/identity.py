"""Identity of feed entries: which key an entry is stored under, so that it is stored once.

The key is the entry's guid, else its canonical link, else its title and date. A guid that is itself
a URL is treated as a link, so the same article reached through two feeds (or a feed switching from
guid to link) keeps one key. Other guids are only unique within their feed, so scoped by source.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import unicodedata
from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that only say where a click came from; they never select content.
TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "igshid", "mc_cid",
    "mc_eid",
    "_hsenc", "_hsmi", "mkt_tok", "ref_src", "ref_url", "cmpid", "wt_mc", "wt.mc_id", "ns_mchannel",
    "ns_source", "ns_campaign", "ns_linkname", "ns_fee", "oly_enc_id", "oly_anon_id", "vero_id",
    "xtor", "at_medium", "at_campaign", "at_custom1", "at_custom2", "at_custom3", "at_custom4",
})
TRACKING_PREFIXES = ("utm_", "pk_", "piwik_", "mtm_")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def is_tracking_param(name: str) -> bool:
    lower = name.lower()
    return lower in TRACKING_PARAMS or lower.startswith(TRACKING_PREFIXES)


def canonical_url(url: str) -> str | None:
    """The URL with scheme and host lowercased, default port, fragment and tracking parameters
    removed; None when it is not an absolute http(s) URL."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    host = parts.hostname.rstrip(".").lower()
    with contextlib.suppress(UnicodeError):
        host = host.encode("idna").decode("ascii")
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not is_tracking_param(k)]
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, urlencode(query, doseq=True), ""))


def _norm_title(title: str) -> str:
    text = unicodedata.normalize("NFKC", title).casefold()
    return re.sub(r"\W+", " ", text).strip()


def entry_key(
    source_id: int,
    *,
    guid: str | None,
    link: str | None,
    title: str | None,
    published: datetime | None,
) -> str | None:
    """The identity key of an entry, or None when it has neither guid, link nor title."""
    guid = (guid or "").strip()
    if guid:
        as_url = canonical_url(guid) if guid.lower().startswith(("http://", "https://")) else None
        if as_url:
            return "url:" + as_url
        return f"guid:{source_id}:{guid[:500]}"
    if link:
        url = canonical_url(link)
        if url:
            return "url:" + url
    if title and title.strip():
        when = published.isoformat() if published else ""
        digest = hashlib.sha256(f"{_norm_title(title)}\n{when}".encode()).hexdigest()[:32]
        return f"td:{source_id}:{digest}"
    return None
