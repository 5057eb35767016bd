"""Search hits built from stored chunks: the one place a chunk and its document become a SearchHit."""

from __future__ import annotations

from index.archive import Archive
from ingest.models import Chunk, SearchHit


def make_hit(archive: Archive, chunk: Chunk, score: float, snippet: str = "") -> SearchHit:
    """A chunk of the archive as a hit, with its document's title, date, type and network."""
    doc = archive.documents[archive.doc_pos[chunk.doc_id]]
    return SearchHit(
        chunk_id=chunk.chunk_id, doc_id=chunk.doc_id, path=doc["path"], title=doc["title"], date=doc["date"],
        doc_type=doc["doc_type"], network=doc["network"], section=chunk.section, page=chunk.page,
        text=chunk.text, score=float(score), snippet=snippet, date_precision=doc["date_precision"])
