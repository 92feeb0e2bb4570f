"""Words and their stems for full-text search (docs/design.md#search-in-messages).

SQLite's FTS5 has no Russian stemmer, so on SQLite the index holds these stems (registered as
the SQL function `campus_stems` on every connection) and a query is stemmed the same way.
Cyrillic words go through the Russian Snowball stemmer, the rest through the English one — the
split PostgreSQL's `russian` configuration makes too (`asciiword` → `english_stem`).
"""

from __future__ import annotations

import re
from functools import lru_cache

import snowballstemmer

# Letters and digits; "_" joins nothing (FTS5's tokenizer splits on it too).
_WORD = re.compile(r"[^\W_]+")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
MAX_QUERY_WORDS = 16

_russian = snowballstemmer.stemmer("russian")
_english = snowballstemmer.stemmer("english")


def words(text: str | None) -> list[str]:
    """The words of `text`, case-folded, "ё" as "е"."""
    if not text:
        return []
    return _WORD.findall(text.casefold().replace("ё", "е"))


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The stem of one folded word."""
    return (_russian if _CYRILLIC.search(word) else _english).stemWord(word)


def stems(text: str | None) -> str | None:
    """The stems of `text`'s words, space-separated (what the SQLite index holds); None for none."""
    found = words(text)
    return " ".join(stem(word) for word in found) if found else None


def query_stems(text: str) -> list[str]:
    """The distinct stems a search for `text` looks for, in order, at most `MAX_QUERY_WORDS`."""
    unique = dict.fromkeys(stem(word) for word in words(text))
    return list(unique)[:MAX_QUERY_WORDS]
