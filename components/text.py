"""Data text made safe to show: markdown escaped, links only when they are http(s). Pure: no streamlit."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pandas as pd

_AUTOLINK = re.compile(r"(?i)\b(?:https?|ftp):/|\bwww\.")
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:$=^&])")
_HTTP_LINK = r"(?i)^https?://[^/?#\s]"


def md_text(value: object) -> str:
    """Data text for elements that render markdown (headers, captions, labels).

    Every markdown, directive and HTML character is backslash-escaped, so a company
    named `![x](https://evil/)` or `:red[...]` shows literally and loads nothing.
    """
    text = "" if value is None else str(value)
    text = text.replace("\r", " ").replace("\n", " ")
    # The frontend turns bare URLs into links (GFM autolink literals) even in escaped text:
    # a word joiner (U+2060, invisible) after the scheme's colon and in "www." breaks them.
    text = _AUTOLINK.sub(lambda m: m.group(0)[:-1] + "\u2060" + m.group(0)[-1], text)
    return _MARKDOWN_SPECIALS.sub(r"\\\1", text)


def safe_url(url: object) -> str | None:
    """Only http(s) links are rendered as links; anything else is shown as text or dropped."""
    if not isinstance(url, str):
        return None
    parsed = urlparse(url.strip())
    return url.strip() if parsed.scheme in ("http", "https") and parsed.netloc else None


def safe_urls(urls: pd.Series) -> pd.Series:
    """safe_url over a whole column at once (one regex pass instead of urlparse per row)."""
    text = urls.astype("string").str.strip()
    ok = text.str.match(_HTTP_LINK).fillna(False).astype(bool)
    return text.astype(object).where(ok)
