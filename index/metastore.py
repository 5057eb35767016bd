"""The metadata store: documents, chunks (row i == vector i), people and skipped files in SQLite."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

from ingest.models import Chunk, Document, Person, Section

SCHEMA = """
CREATE TABLE documents (
    doc_index INTEGER PRIMARY KEY, doc_id TEXT UNIQUE NOT NULL, path TEXT NOT NULL, root TEXT NOT NULL,
    title TEXT NOT NULL, date TEXT, doc_type TEXT NOT NULL, network TEXT, content_hash TEXT NOT NULL,
    format TEXT NOT NULL, date_source TEXT NOT NULL, sections TEXT NOT NULL, notes TEXT NOT NULL,
    date_precision TEXT NOT NULL DEFAULT 'day');
CREATE TABLE chunks (
    row INTEGER PRIMARY KEY, chunk_id TEXT UNIQUE NOT NULL, doc_id TEXT NOT NULL, section_index INTEGER NOT NULL,
    section TEXT NOT NULL, page INTEGER, text TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL,
    embed_text TEXT NOT NULL, kind TEXT NOT NULL);
CREATE INDEX chunks_doc ON chunks(doc_id);
CREATE TABLE people (
    doc_id TEXT NOT NULL, name TEXT NOT NULL, organisation TEXT, role TEXT NOT NULL, section TEXT NOT NULL,
    title TEXT);
CREATE INDEX people_doc ON people(doc_id);
CREATE INDEX people_name ON people(name);
CREATE TABLE skipped (path TEXT NOT NULL, reason TEXT NOT NULL);
CREATE TABLE info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def _sections_json(sections: Sequence[Section]) -> str:
    return json.dumps([[s.heading, s.text, s.page, s.kind] for s in sections], ensure_ascii=False)


def write_metastore(path: Path, documents: Sequence[tuple[Document, str, list[str]]], chunks: Iterable[Chunk],
                    skipped: Sequence[tuple[str, str]], info: dict[str, str]) -> None:
    """Write a new metadata database in one transaction.

    Args:
        path: The database file to create.
        documents: (document, root folder, notes) in document order.
        chunks: All chunks in row order; row i is vector i.
        skipped: (path, reason) of every file left out.
        info: Facts about the run (last ingest time, roots).
    """
    con = sqlite3.connect(path)
    try:
        with con:
            con.executescript(SCHEMA)
            con.executemany(
                "INSERT INTO documents VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [(i, d.doc_id, d.path, root, d.title, d.date, d.doc_type, d.network, d.content_hash, d.format,
                  d.date_source, _sections_json(d.sections), json.dumps(notes, ensure_ascii=False),
                  d.date_precision)
                 for i, (d, root, notes) in enumerate(documents)])
            con.executemany(
                "INSERT INTO chunks VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                ((row, c.chunk_id, c.doc_id, c.section_index, c.section, c.page, c.text, c.start, c.end,
                  c.embed_text, c.kind) for row, c in enumerate(chunks)))
            con.executemany(
                "INSERT INTO people VALUES (?,?,?,?,?,?)",
                [(d.doc_id, p.name, p.organisation, p.role, p.section, p.title)
                 for d, _, _ in documents for p in d.people])
            con.executemany("INSERT INTO skipped VALUES (?,?)", list(skipped))
            con.executemany("INSERT INTO info VALUES (?,?)", list(info.items()))
    finally:
        con.close()


def _chunk(row: sqlite3.Row) -> Chunk:
    return Chunk(row["chunk_id"], row["doc_id"], row["section_index"], row["section"], row["page"],
                 row["text"], row["start"], row["end"], row["embed_text"], row["kind"])


def _document(row: sqlite3.Row, people: list[Person] | None = None) -> Document:
    sections = [Section(h, t, p, k) for h, t, p, k in json.loads(row["sections"])]
    return Document(row["doc_id"], row["path"], row["title"], row["date"], row["doc_type"], row["network"],
                    row["content_hash"], row["format"], sections, people or [], row["date_source"],
                    row["date_precision"])


#: How exact a document's date is, for stores written before the date_precision column (index
#: format 2): term dates were marked by their source; a year alone was stored as 1 January.
LEGACY_PRECISION = ("CASE WHEN documents.date_source = 'term' THEN 'term' "
                    "WHEN documents.date_source = 'filename' AND documents.date LIKE '%-01-01' "
                    "AND documents.path NOT LIKE '%' || substr(documents.date, 1, 4) || '-01-01%' "
                    "AND documents.path NOT LIKE '%' || substr(documents.date, 1, 4) || '0101%' THEN 'year' "
                    "ELSE 'day' END")


#: Values bound per query by MetaStore.query_in (SQLite's default limit is 999 in old builds).
IN_BATCH = 900
#: The people rows with their documents' facts, as the people finder and profiles read them.
PEOPLE_ROWS = ("SELECT people.*, documents.title AS doc_title, documents.date AS date, documents.path AS path, "
               "documents.network AS network, documents.doc_type AS doc_type, {precision} AS date_precision "
               "FROM people JOIN documents USING (doc_id)")


class MetaStore:
    """Read access to a metadata database, safe to share between threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        self._con.row_factory = sqlite3.Row
        self._lock = threading.Lock()
        columns = {r[1] for r in self._con.execute("PRAGMA table_info(documents)")}
        #: The SQL for a document's date precision: its column, or how older stores imply it.
        self.precision_sql = "documents.date_precision" if "date_precision" in columns else LEGACY_PRECISION
        self._people_rows = PEOPLE_ROWS.format(precision=self.precision_sql)

    def close(self) -> None:
        self._con.close()

    def query(self, sql: str, params: Sequence = ()) -> list[sqlite3.Row]:
        """Run a read-only query (the CLI and library functions use it for reports)."""
        with self._lock:
            return self._con.execute(sql, params).fetchall()

    def query_in(self, sql: str, column: str, values: Sequence) -> list[sqlite3.Row]:
        """``sql`` with ``WHERE <column> IN (values)`` appended, run in batches under SQLite's
        limit on bound parameters; the rows of every batch, in batch order."""
        values = list(values)
        out: list[sqlite3.Row] = []
        for start in range(0, len(values), IN_BATCH):
            part = values[start:start + IN_BATCH]
            out.extend(self.query(f"{sql} WHERE {column} IN ({','.join('?' * len(part))})", part))
        return out

    def chunks_by_rows(self, rows: Sequence[int]) -> dict[int, Chunk]:
        """Chunks keyed by row for the given rows."""
        return {r["row"]: _chunk(r) for r in self.query_in("SELECT * FROM chunks", "row", rows)}

    def headed_texts(self, rows: Sequence[int]) -> dict[int, str]:
        """Heading and text of the given chunk rows, as ``"<heading>\\n<text>"`` keyed by row."""
        return {r["row"]: f"{r['section']}\n{r['text']}"
                for r in self.query_in("SELECT row, section, text FROM chunks", "row", rows)}

    def chunk_by_id(self, chunk_id: str) -> tuple[int, Chunk] | None:
        rows = self.query("SELECT * FROM chunks WHERE chunk_id = ?", (chunk_id,))
        return (rows[0]["row"], _chunk(rows[0])) if rows else None

    def chunk_rows_of(self, doc_id: str) -> list[int]:
        return [r["row"] for r in self.query("SELECT row FROM chunks WHERE doc_id = ? ORDER BY row", (doc_id,))]

    def chunks_of(self, doc_id: str) -> list[Chunk]:
        return [_chunk(r) for r in self.query("SELECT * FROM chunks WHERE doc_id = ? ORDER BY row", (doc_id,))]

    def document(self, doc_id: str, with_people: bool = True) -> Document | None:
        rows = self.query(f"SELECT *, {self.precision_sql} AS date_precision FROM documents WHERE doc_id = ?",
                          (doc_id,))
        if not rows:
            return None
        people = self.people_of(doc_id) if with_people else []
        return _document(rows[0], people)

    def document_root(self, doc_id: str) -> str | None:
        rows = self.query("SELECT root FROM documents WHERE doc_id = ?", (doc_id,))
        return rows[0]["root"] if rows else None

    def document_rows(self) -> list[sqlite3.Row]:
        """Every document's summary row (no section text), in document order."""
        return self.query("SELECT doc_index, doc_id, path, root, title, date, doc_type, network, content_hash, "
                          f"format, date_source, notes, {self.precision_sql} AS date_precision "
                          "FROM documents ORDER BY doc_index")

    def chunk_doc_ids_and_body(self) -> tuple[list[str], list[bool]]:
        """The document id of every chunk row, and whether it is a body section (row order)."""
        with self._lock:
            rows = self._con.execute("SELECT doc_id, kind = 'body' FROM chunks ORDER BY row").fetchall()
        return [r[0] for r in rows], [bool(r[1]) for r in rows]

    def people_of(self, doc_id: str) -> list[Person]:
        return [Person(r["name"], r["organisation"], r["role"], r["section"], r["title"])
                for r in self.query("SELECT * FROM people WHERE doc_id = ?", (doc_id,))]

    def all_people(self) -> list[sqlite3.Row]:
        """Every people row with its document's title, date, path, network and type."""
        return self.query(self._people_rows)

    def people_rows(self, column: str, values: Sequence[str]) -> list[sqlite3.Row]:
        """The rows of :meth:`all_people` whose ``column`` (``doc_id`` or ``people.name``) is one of ``values``."""
        return self.query_in(self._people_rows, column, values)

    def people_names(self) -> list[str]:
        """Every distinct name of the people table (read from its index)."""
        return [r[0] for r in self.query("SELECT DISTINCT name FROM people")]

    def people_organisations(self) -> list[str]:
        """Every distinct organisation people are listed with."""
        return [r[0] for r in self.query("SELECT DISTINCT organisation FROM people WHERE organisation IS NOT NULL")]

    def documents_naming(self, column: str, values: Sequence[str]) -> set[str]:
        """Ids of documents whose people table holds one of ``values`` in ``column`` (name or organisation)."""
        if column not in ("name", "organisation"):
            raise ValueError(f"unknown people column {column!r}; use name or organisation")
        return {r[0] for r in self.query_in("SELECT DISTINCT doc_id FROM people", column, values)}

    def skipped(self) -> list[tuple[str, str]]:
        return [(r["path"], r["reason"]) for r in self.query("SELECT * FROM skipped ORDER BY path")]

    def info(self) -> dict[str, str]:
        return {r["key"]: r["value"] for r in self.query("SELECT * FROM info")}
