"""From ranked chunk rows to results: one result per document with its further hits,
near-identical passages folded with every source listed, and the SearchHit of a chunk."""

from __future__ import annotations

import re

from index.archive import Archive
from ingest.models import Chunk, SearchHit, date_label

#: Further hits of one document listed under its best hit.
MORE_PER_DOC = 3


def make_hit(archive: Archive, chunk: Chunk, score: float, snippet: str = "") -> SearchHit:
    """A chunk of the archive as a hit, with its document's title, date, type and network."""
    doc = archive.documents[archive.doc_pos[chunk.doc_id]]
    return SearchHit(
        chunk_id=chunk.chunk_id, doc_id=chunk.doc_id, path=doc["path"], title=doc["title"], date=doc["date"],
        doc_type=doc["doc_type"], network=doc["network"], section=chunk.section, page=chunk.page,
        text=chunk.text, score=float(score), snippet=snippet, date_precision=doc["date_precision"])


#: Two passages whose word trigrams overlap this much (Jaccard) are the same passage.
DUPLICATE_JACCARD = 0.8


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i:i + 3]) for i in range(max(len(words) - 2, 0))}


def fold_duplicates(ranked: list[tuple[int, float]], texts: dict[int, str]
                    ) -> tuple[list[tuple[int, float]], dict[int, list[int]]]:
    """Fold near-identical passages (the same slide in two decks) into the best-ranked one.

    Returns:
        The kept (row, score) pairs in order, and for each kept row the rows folded into it.
    """
    kept: list[tuple[int, float]] = []
    shingles: dict[int, set] = {}
    twins: dict[int, list[int]] = {}
    for row, score in ranked:
        own = _shingles(texts[row])
        twin = None
        if len(own) >= 5:
            twin = next((r for r, _ in kept if len(own & shingles[r]) >= DUPLICATE_JACCARD * len(own | shingles[r])),
                        None)
        if twin is not None:
            twins.setdefault(twin, []).append(row)
            continue
        kept.append((row, score))
        shingles[row] = own
    return kept, twins


def source_of(archive: Archive, chunk) -> dict:
    """Where a folded duplicate passage also stands, for SearchHit.sources."""
    doc = archive.documents[archive.doc_pos[chunk.doc_id]]
    return {"chunk_id": chunk.chunk_id, "doc_id": chunk.doc_id, "path": doc["path"], "title": doc["title"],
            "date": doc["date"], "date_label": date_label(doc["date"], doc["date_precision"]),
            "section": chunk.section, "page": chunk.page}


def collapse_by_document(archive: Archive, ranked: list[tuple[int, float]], limit: int,
                         collapse: bool) -> tuple[list[tuple[int, float]], dict[int, list[tuple[int, float]]]]:
    """The first ``limit`` hits (one per document when collapsing) and each one's further hits."""
    chosen: list[tuple[int, float]] = []
    extras: dict[int, list[tuple[int, float]]] = {}  # head row -> further hits of its document
    head_of_doc: dict[int, int] = {}
    for row, score in ranked:
        doc = int(archive.row_doc[row])
        if collapse and doc in head_of_doc:
            group = extras[head_of_doc[doc]]
            if len(group) < MORE_PER_DOC:
                group.append((row, score))
            continue
        if len(chosen) >= limit:
            if collapse:
                continue  # keep collecting further hits of the documents already chosen
            break
        head_of_doc[doc] = row
        extras[row] = []
        chosen.append((row, score))
    return chosen, extras


def aggregate_documents(chosen: list[tuple[int, float]], extras: dict[int, list[tuple[int, float]]],
                        decay: float, k: int) -> list[tuple[int, float]]:
    """Re-score each document by its best chunk plus decayed scores of its further chunks."""
    rescored = []
    for row, score in chosen:
        total = score + sum(s * decay ** (i + 1) for i, (_, s) in enumerate(extras[row]))
        rescored.append((row, total))
    rescored.sort(key=lambda item: (-item[1], item[0]))
    return rescored[:k]
