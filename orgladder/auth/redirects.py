"""Where a sign-in may send the browser next: only a path on this site.

``next`` comes from the URL, so anyone can write it. Browsers forgive a lot (a backslash read as
a slash, tabs and newlines dropped, percent-encoding decoded by a proxy on the way), so a target
is kept only when every decoding of it is a plain local path; anything doubtful is dropped and
the sign-in lands on the home page instead.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import unquote, urlsplit

MAX_LENGTH = 2000
# Decoding rounds tried before a target is called too deeply encoded to be honest.
DECODING_ROUNDS = 3
# Control, format (bidi overrides, zero-width), separator and surrogate characters: some end a
# header line, some are dropped by browsers, one cannot be encoded at all.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def _plain_local_path(text: str) -> bool:
    if not text.startswith("/") or text[1:2] in ("/", "\\") or "\\" in text:
        return False
    if any(unicodedata.category(char) in _REFUSED_CATEGORIES for char in text):
        return False
    parts = urlsplit(text)
    return not parts.scheme and not parts.netloc


def safe_next(target: str | None) -> str | None:
    """``target`` when it is a path on this site in every decoding of it, else None."""
    if not target or len(target) > MAX_LENGTH:
        return None
    decoded = target
    for _ in range(DECODING_ROUNDS):
        if not _plain_local_path(decoded):
            return None
        once_more = unquote(decoded)
        if once_more == decoded:
            return target
        decoded = once_more
    return None  # still decoding after all rounds: nobody links like that
