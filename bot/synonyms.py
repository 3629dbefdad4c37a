"""Swedish synonyms for question words the statements never use ("jobbar" → "arbetar").

The thesaurus is Viggo Kann's Swedish synonym list as LibreOffice and Debian ship it (mythes-sv,
th_sv_SE_v2.dat; licence and notice in bot/data/th_sv_SE.LICENSE.txt). It is used only for words
missing from the corpus: a word the statements use is never replaced, so synonyms cannot pull a
question away from what it literally asks.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

BUNDLED = Path(__file__).parent / "data" / "th_sv_SE_v2.dat.gz"


def read_mythes(path: Path) -> dict[str, list[str]]:
    """MyThes .dat: an encoding line, then 'word|n' followed by n lines '(pos)|syn|syn…'."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as fh:
        raw = fh.read()
    lines = raw.split(b"\n")
    encoding = lines[0].strip().decode("ascii") or "utf-8"
    entries: dict[str, list[str]] = {}
    i = 1
    while i < len(lines):
        line = lines[i].decode(encoding).strip()
        i += 1
        if "|" not in line:
            continue
        word, _, count = line.rpartition("|")
        n = int(count) if count.isdigit() else 0
        syns = entries.setdefault(word.lower(), [])
        for meaning in lines[i : i + n]:
            syns += [s.lower() for s in meaning.decode(encoding).split("|")[1:] if s]
        i += n
    return entries


class Thesaurus:
    """Stem → stems of one-word synonyms, built once for a stemmer."""

    def __init__(self, entries: dict[str, list[str]], stem: Callable[[str], str]) -> None:
        self._by_stem: dict[str, set[str]] = {}
        for word, syns in entries.items():
            if " " in word:
                continue
            key = stem(word)
            if len(word) - len(key) > 1:
                continue  # "jobbig" also stems to "jobb": only a base form near its stem speaks for it
            for s in syns:
                if " " not in s and s != word:
                    self._by_stem.setdefault(key, set()).add(stem(s))

    def __len__(self) -> int:
        return len(self._by_stem)

    def alternatives(self, stem: str, vocabulary: set[str]) -> list[str]:
        """Synonym stems of ``stem`` that the corpus uses, sorted for a stable query."""
        return sorted(s for s in self._by_stem.get(stem, ()) if s in vocabulary and s != stem)


@lru_cache(maxsize=4)
def bundled(stem: Callable[[str], str]) -> Thesaurus:
    return Thesaurus(read_mythes(BUNDLED), stem)
