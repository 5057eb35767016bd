"""The people directory: every person of an archive, one entry per normalised name.

It is computed once when a generation is written (``write_directory``: the ``persons``
table of meta.sqlite, generation format 2) and read by the people finder in a few
milliseconds (``PeopleDirectory.load``). A person's rows in the people table (their roles in
documents) are fetched on demand, per document or per person. For generations written
before the table existed, and for tests, ``PeopleDirectory(rows)`` builds the same entries
in memory from the people rows.
"""

from __future__ import annotations

import functools
import json
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from index.filters import fold, name_matches
from index.metastore import MetaStore
from ingest.metadata import section_date
from ingest.models import Document

SCHEMA = """
CREATE TABLE persons (
    key TEXT PRIMARY KEY, name TEXT NOT NULL, spellings TEXT NOT NULL, documents INTEGER NOT NULL,
    organisations TEXT NOT NULL);
"""


def person_key(name: str) -> str:
    """The identity of a name across documents: case, diacritics and spacing ignored."""
    return " ".join(fold(name).split())


@dataclass
class OrganisationSpan:
    """An organisation a person has been listed with, and when (document dates)."""

    name: str
    first: str | None
    last: str | None
    documents: int

    def to_json(self) -> dict:
        return {"name": self.name, "first": self.first, "last": self.last, "documents": self.documents}


@dataclass
class PersonEntry:
    """One person of the directory.

    Attributes:
        key: The normalised name (``person_key``), the person's identity.
        name: The commonest spelling; on a tie the one with diacritics ("Welén" over "Welen").
        spellings: Every spelling of the name as the people table holds it.
        documents: How many documents name the person, in any role.
        organisations: Organisations the person has been listed with, earliest first.
    """

    key: str
    name: str
    spellings: list[str]
    documents: int
    organisations: list[OrganisationSpan]

    def organisation_names(self) -> list[str]:
        """Organisation names, the most documents first, then the most recent."""
        spans = sorted(self.organisations, key=lambda s: (-s.documents, _neg(s.last), s.name))
        return [s.name for s in spans]


def _neg(date: str | None) -> str:
    """A sort key that puts later ISO dates first."""
    return "".join(chr(0x10FFFF - ord(c)) for c in (date or ""))


@functools.cache
def _organisation_forms() -> frozenset[str]:
    from ingest.gazetteer import default_gazetteer

    return frozenset(person_key(form) for org in default_gazetteer().organisations for form in org.forms)


@functools.lru_cache(maxsize=65_536)
def organisation_name(name: str) -> bool:
    """Whether a "person" is an organisation's name or a wrapped start of one ("Sveriges Kommuner")."""
    key = person_key(name)
    return any(f == key or f.startswith(key + " ") for f in _organisation_forms())


def build_entries(rows: Sequence[dict]) -> dict[str, PersonEntry]:
    """The directory's entries from people rows (``name``, ``organisation``, ``doc_id``, ``date``).

    Rows naming an organisation rather than a person are left out. An affiliation counts as
    an organisation when the gazetteer knows it, or when it is a capitalised name of two or
    more words that is not a person of the archive: extraction keeps what stood beside a
    name, and "undervisningsråd", "via Teams", "Gottsunda" or a second person's name
    ("Karin Sjöberg, Johan Berglund") are not organisations.
    """
    grouped: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        if not organisation_name(row["name"]):
            grouped[person_key(row["name"])].append(row)
    orgs: dict[str, bool] = {}

    def is_organisation(value: str) -> bool:
        known = orgs.get(value)
        if known is None:
            from ingest.gazetteer import default_gazetteer

            org = default_gazetteer().lookup(value)
            known = orgs[value] = (org is not None and org.name == value) or (
                value[:1].isupper() and " " in value.strip() and person_key(value) not in grouped)
        return known

    entries = {}
    for key, own in grouped.items():
        spellings = Counter(" ".join(r["name"].split()) for r in own)
        name = max(spellings, key=lambda s: (spellings[s], sum(not c.isascii() for c in s), s))
        spans = _spans([r for r in own if r["organisation"] and is_organisation(r["organisation"])])
        entries[key] = PersonEntry(key, name, sorted({r["name"] for r in own}), len({r["doc_id"] for r in own}),
                                   spans)
    return entries


def _spans(rows: Iterable[dict]) -> list[OrganisationSpan]:
    """Organisations with first and last document date, earliest first."""
    spans: dict[str, OrganisationSpan] = {}
    docs: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        org = row["organisation"]
        date, _ = section_date(row["date"], row.get("date_precision", "day"), row.get("section", ""))
        span = spans.setdefault(org, OrganisationSpan(org, date, date, 0))
        if date:
            span.first = min(filter(None, (span.first, date)))
            span.last = max(filter(None, (span.last, date)))
        docs[org].add(row["doc_id"])
    for org, span in spans.items():
        span.documents = len(docs[org])
    return sorted(spans.values(), key=lambda s: (s.first or "9999", s.name))


def write_directory(path: Path, documents: Sequence[Document]) -> None:
    """Add the people directory (the ``persons`` table) to a new generation's meta.sqlite."""
    rows = [{"doc_id": d.doc_id, "name": p.name, "organisation": p.organisation, "date": d.date,
             "date_precision": d.date_precision, "section": p.section}
            for d in documents for p in d.people]
    entries = build_entries(rows)
    con = sqlite3.connect(path)
    try:
        with con:
            con.executescript(SCHEMA)
            con.executemany("INSERT INTO persons VALUES (?,?,?,?,?)", [
                (e.key, e.name, json.dumps(e.spellings, ensure_ascii=False), e.documents,
                 json.dumps([[s.name, s.first, s.last, s.documents] for s in e.organisations], ensure_ascii=False))
                for e in entries.values()])
    finally:
        con.close()


class PeopleDirectory:
    """Every person of an archive, and the people rows of a document or a person on demand.

    ``PeopleDirectory(rows)`` holds the given people rows in memory; ``PeopleDirectory.load``
    reads the entries of a generation's ``persons`` table and fetches rows from SQLite.
    """

    def __init__(self, rows: Sequence[dict]) -> None:
        self.records: dict[str, PersonEntry] = build_entries(rows)
        self._meta: MetaStore | None = None
        self._by_doc: dict[str, list[dict]] = defaultdict(list)
        self._by_key: dict[str, list[dict]] = defaultdict(list)
        for row in rows:
            key = person_key(row["name"])
            if key in self.records:
                self._by_doc[row["doc_id"]].append(row)
                self._by_key[key].append(row)

    @classmethod
    def load(cls, meta: MetaStore) -> PeopleDirectory:
        """The directory of a generation written with the ``persons`` table."""
        directory = cls([])
        directory._meta = meta
        for r in meta.query("SELECT * FROM persons"):
            spans = [OrganisationSpan(*s) for s in json.loads(r["organisations"])]
            directory.records[r["key"]] = PersonEntry(r["key"], r["name"], json.loads(r["spellings"]),
                                                      r["documents"], spans)
        return directory

    def name(self, key: str) -> str:
        return self.records[key].name

    def organisations(self, key: str) -> list[OrganisationSpan]:
        """A person's organisations with first and last document date, earliest first."""
        return list(self.records[key].organisations)

    def organisation_names(self, key: str) -> list[str]:
        """Organisation names, the most documents first, then the most recent."""
        return self.records[key].organisation_names()

    def rows_of_documents(self, doc_ids: Iterable[str]) -> dict[str, list[dict]]:
        """The people rows (with their documents' facts) of some documents, by document id."""
        wanted = sorted(set(doc_ids))
        if self._meta is None:
            return {d: self._by_doc[d] for d in wanted if d in self._by_doc}
        found: dict[str, list[dict]] = defaultdict(list)
        for r in self._meta.people_rows("doc_id", wanted):
            if person_key(r["name"]) in self.records:
                found[r["doc_id"]].append(dict(r))
        return found

    def rows_of(self, key: str) -> list[dict]:
        """Every people row of one person (with the documents' facts)."""
        if self._meta is None:
            return self._by_key.get(key, [])
        return [dict(r) for r in self._meta.people_rows("people.name", self.records[key].spellings)
                if person_key(r["name"]) == key]

    def matching(self, typed: str) -> list[str]:
        """Keys of the people a typed name could mean, the likeliest first.

        An exact (folded) name wins; otherwise every typed word must match a word of the name
        (``filters.name_matches``: prefixes, missing diacritics, small typos), and closer
        spellings and people named in more documents come first.
        """
        key = person_key(typed)
        if not key:
            return []
        found = [k for k, e in self.records.items() if k == key or name_matches(typed, e.name)]

        def closeness(k: str) -> tuple:
            words = set(k.split())
            return (k == key, sum(w in words for w in key.split()), self.records[k].documents)
        return sorted(found, key=closeness, reverse=True)
