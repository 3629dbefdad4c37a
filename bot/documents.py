"""The index's table of documents, and which of them a question names: by an id in any written
form (Dnr, "Dir. 2019:91", "motion 2013:44"; ingest/families.toml) or by an author's surname."""

from __future__ import annotations

import json
import re
from functools import cached_property

from ingest.families import ids_in_text, keys_for
from ingest.store import Catalogue

# the metadata a question's ids and authors are matched on (ingest.families.keys_for, the
# surnames): SQLite reads just these, all in one json_extract (one parse of each document's
# metadata), where parsing every document's whole metadata in Python took 0.33 s of a cold start
# on the 16,274-document archive, and one json_extract per field 0.41 s (0.12-0.18 s now)
FIELDS = ("dnr", "ref", "motion_number", "id_keys", "authors")


class DocumentTable:
    def __init__(self, docs: list[dict]) -> None:
        self.docs = docs  # each: doc_id and the FIELDS of the document's metadata

    @classmethod
    def load(cls, catalogue: Catalogue) -> DocumentTable:
        paths = ", ".join(f"'$.{f}'" for f in FIELDS)
        rows = catalogue.db.execute(f"SELECT doc_id, json_extract(metadata, {paths}) FROM files")
        loads, none = json.loads, [None] * len(FIELDS)
        # id_keys written as "a|b" by older ingests come back as text, as stored
        return cls(
            [
                {
                    "doc_id": doc_id,
                    **dict(zip(FIELDS, loads(values) if values else none, strict=True)),
                }
                for doc_id, values in rows
            ]
        )

    def named_in(self, question: str) -> list[str]:
        """Documents a question names by their id in any written form ("Dir. 2019:91",
        "direktiv 2019:91", "UTBF 2024/6786", "motion 2013:44"; ingest/families.toml)."""
        return self.with_ids(ids_in_text(question))

    def with_ids(self, ids) -> list[str]:
        """Documents carrying any of these ids (a parsed question's ``Question.ids``)."""
        places = sorted({i for d in ids for i in self._by_key.get(d.key, ())})
        return [self.docs[i]["doc_id"] for i in places]

    def with_dnr(self, dnr: str) -> list[str]:
        """Documents whose Dnr ends with this one ("2024/6786" finds "UTBF 2024/6786")."""
        return [d["doc_id"] for d in self.docs if (d.get("dnr") or "").endswith(dnr)]

    def by_author(self, question: str) -> list[str]:
        """Documents whose motion or skrivelse was written by someone the question names by
        surname ("svaret till Jan Jönsson", "Rågsjös motion"). Unlike a Dnr this only narrows
        the search: it says nothing about whether the documents answer the question."""
        return list(dict.fromkeys(d for d, _ in self._authors_named(question)))

    def without_authors(self, question: str) -> str:
        """The question without the authors' names it uses to point at their statements: those
        words say which statement, not what is asked, so a sentence should not score by them."""
        for _, name in self._authors_named(question):
            question = re.sub(rf"\b{re.escape(name)}s?\b", " ", question, flags=re.I)
        return question

    def _authors_named(self, question: str) -> list[tuple[str, str]]:
        words = set(re.findall(r"\w+", question.casefold()))
        # "Rågsjö" or "Rågsjös": each word looked up as a surname, and without a genitive s
        keys = words | {w[:-1] for w in words if w.endswith("s")}
        entries = sorted(e for k in keys for e in self._surnames.get(k, ()))
        return [
            (doc_id, name if name.casefold() in question.casefold() else surname)
            for _, doc_id, name, surname in entries
        ]

    @cached_property
    def _by_key(self) -> dict[str, list[int]]:
        """Each id key with the places of the documents carrying it, read once: working out every
        document's keys per question took 230 ms on 1,000 documents without stored keys."""
        out: dict[str, list[int]] = {}
        for i, d in enumerate(self.docs):
            for key in dict.fromkeys(keys_for(d)):
                out.setdefault(key, []).append(i)
        return out

    @cached_property
    def _surnames(self) -> dict[str, list[tuple[tuple[int, int], str, str, str]]]:
        """Authors by surname (three letters or more), each with its document's place in the
        table: a question is matched by looking its words up, not by reading every document."""
        out: dict[str, list] = {}
        for i, d in enumerate(self.docs):
            for j, author in enumerate(d.get("authors") or []):
                name = _without_mfl(author.get("name") or "")
                surname = name.split()[-1].casefold() if name.split() else ""
                if len(surname) >= 3:
                    out.setdefault(surname, []).append(((i, j), d["doc_id"], name, surname))
        return out


def _without_mfl(name: str) -> str:
    """ "Andréa Hedin m.fl." -> "Andréa Hedin"."""
    return " ".join(re.sub(r"\b(?:m\.\s*fl|med flera)\b\.?", " ", name, flags=re.I).split())
