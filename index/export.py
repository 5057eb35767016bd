"""Rows for CSV and JSON exports: search results, similar discussions, trends, themes and people.

Every adapter returns a list of flat dicts (one row each) in which the source document
(path, title) and its date appear, so a row pasted into a spreadsheet still says where it
comes from; ``rows_to_csv`` and ``rows_to_json`` turn any such list into text.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence

from index.snippets import MARK
from ingest.models import SearchHit

#: Columns every document-based row starts with, in this order. ``date_precision`` says whether
#: ``date`` is a day, a term's 15 March / 15 October or a year-only date's 1 January.
SOURCE_COLUMNS = ("path", "title", "date", "date_precision", "doc_type", "network")


def rows_to_csv(rows: Sequence[dict], columns: Sequence[str] | None = None, excel: bool = False) -> str:
    """CSV text of the rows (header first); columns default to the keys in first-seen order.

    Lists become "; "-joined text and None an empty cell. ``excel`` adds a UTF-8 byte order
    mark so that Excel reads å, ä and ö right.
    """
    columns = list(columns or dict.fromkeys(key for row in rows for key in row))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: _cell(row.get(c)) for c in columns})
    return ("\ufeff" if excel else "") + out.getvalue()


def rows_to_json(rows: Sequence[dict]) -> str:
    """The rows as a JSON array (UTF-8, not ASCII-escaped)."""
    return json.dumps(list(rows), ensure_ascii=False, indent=1)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return "; ".join(_cell(v) for v in value)
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def hit_row(hit: SearchHit, rank: int, **extra) -> dict:
    """One search hit as a flat row: source document and date first, then where and what."""
    return {"rank": rank, **{c: getattr(hit, c) for c in SOURCE_COLUMNS}, "section": hit.section,
            "page": hit.page, "chunk_id": hit.chunk_id, "score": round(float(hit.score), 6),
            "snippet": hit.snippet.replace(MARK, ""), "text": hit.text, **extra}


def search_rows(result) -> list[dict]:
    """Rows of a SearchResult: one per hit, the query on every row."""
    return [hit_row(hit, rank, query=result.query) for rank, hit in enumerate(result.hits, start=1)]


def similar_rows(result) -> list[dict]:
    """Rows of a SimilarResult: one per meeting, with the shared words and best sentence."""
    source = result.source
    described = source.title or (source.text[:80] + ("…" if len(source.text) > 80 else ""))
    return [hit_row(h.hit, rank, similarity=round(h.similarity, 6), shared_terms=h.shared_terms,
                    sentence=h.sentence, source=described, source_path=source.path or "")
            for rank, h in enumerate(result.hits, start=1)]


def trend_rows(trends: Iterable) -> list[dict]:
    """The numbers of one or more trends: one row per theme and period."""
    return [{"theme": t.theme, **p.to_json()} for t in trends for p in t.points]


def trend_document_rows(archive, trends: Iterable) -> list[dict]:
    """One row per theme, period and matching meeting (its path, title and date), with the
    period's numbers; a period without matching meetings gives one row without a document."""
    rows = []
    for t in trends:
        for p in t.points:
            numbers = {"theme": t.theme, **p.to_json()}
            per_doc: dict[str, int] = {}
            for row in p.rows:
                doc_id = archive.documents[int(archive.row_doc[row])]["doc_id"]
                per_doc[doc_id] = per_doc.get(doc_id, 0) + 1
            if not p.doc_ids:
                rows.append({**numbers, **dict.fromkeys(SOURCE_COLUMNS, ""), "doc_sections": 0})
            for doc_id in p.doc_ids:
                doc = archive.documents[archive.doc_pos[doc_id]]
                rows.append({**numbers, **{c: doc[c] for c in SOURCE_COLUMNS}, "doc_sections": per_doc.get(doc_id, 0)})
    return rows


def theme_rows(archive, model, points: dict | None = None) -> list[dict]:
    """One row per automatic theme and document in it, with the theme's label and words;
    with ``points`` (from trends.theme_trends) the theme's section share per period too."""
    rows = []
    for theme in model.themes:
        shares = {f"share {p.period}": p.section_share for p in (points or {}).get(theme.theme_id, [])}
        counts: dict[str, int] = {}
        for row in theme.rows:
            doc_id = archive.documents[int(archive.row_doc[row])]["doc_id"]
            counts[doc_id] = counts.get(doc_id, 0) + 1
        for doc_id in theme.doc_ids:
            doc = archive.documents[archive.doc_pos[doc_id]]
            rows.append({"theme_id": theme.theme_id, "label": theme.label, "words": theme.words,
                         **{c: doc[c] for c in SOURCE_COLUMNS}, "doc_sections": counts[doc_id], **shares})
    return rows


def people_rows(people: Iterable) -> list[dict]:
    """Rows of a people list: one per person and piece of evidence.

    Accepts dicts with ``name``, ``organisations`` (a list or a string) and ``evidence``
    (dicts or objects with path, title, date, section, role, ...), or objects with a
    ``to_json()`` giving such a dict (index.people's results). A person without evidence
    gives one row without a document.
    """
    rows = []
    for person in people:
        data = person.to_json() if hasattr(person, "to_json") else dict(person)
        organisations = data.get("organisations") or []
        if isinstance(organisations, str):
            organisations = [organisations]
        organisations = [o["name"] if isinstance(o, dict) else str(o) for o in organisations]
        base = {"name": data.get("name", ""), "organisations": organisations}
        if "score" in data:
            base["score"] = data["score"]
        evidence = data.get("evidence") or []
        if not evidence:
            rows.append({**base, **dict.fromkeys(SOURCE_COLUMNS, ""), "role": "", "section": ""})
        for item in evidence:
            item = item.to_json() if hasattr(item, "to_json") else dict(item)
            rows.append({**base, **{c: item.get(c, "") for c in SOURCE_COLUMNS}, "role": item.get("role", ""),
                         "section": item.get("section", ""), "chunk_id": item.get("chunk_id", "")})
    return rows
