"""Synthetic archives of any size built from a real index: documents, chunks and e5 vectors.

Embedding a million chunks with e5 on two CPU cores would take most of a day (about 16
chunks/s), so a large archive is made from an index of the sample corpus instead:

- every synthetic document copies one real document (its sections, chunks and type), under
  a new path, title, date, network and set of people, so filters and people searches
  select realistic shares of the rows;
- networks are named after Swedish municipalities, with Zipf-like sizes (the largest
  holds about a seventh of the archive, the smallest a fraction of a percent);
- dates spread over 2012-2026, more of them in recent years;
- every vector is the real e5 vector of the copied chunk plus Gaussian noise, scaled per
  dimension to ``noise`` times the corpus's own spread, then renormalised. At the default
  0.9 a copy keeps a cosine of about 0.95 with its source, as close as real nearest
  neighbours in the corpus are (median 0.947).

The chunk texts repeat the corpus's (only titles differ), so BM25 posting lists are long
and the vocabulary small: lexical query times are on the pessimistic side.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from index.analysis import SwedishAnalyzer
from index.directory import write_directory
from index.lexical import LexicalIndex
from index.metastore import MetaStore, write_metastore
from index.storage import Manifest, current_generation, new_generation, publish
from index.vectors import VectorIndex
from ingest.chunking import embed_prefix
from ingest.models import Chunk, Document, Person

MUNICIPALITIES = Path(__file__).resolve().parent.parent / "ingest" / "data" / "gazetteer" / "municipalities.tsv"
FIRST_NAMES = ("Anna Eva Maria Karin Sara Lena Emma Kristina Elin Ida Linnea Johanna Malin Sofia Helena "
               "Erik Lars Karl Anders Johan Per Nils Mikael Jonas Fredrik Oskar Henrik Magnus Daniel Olof").split()
LAST_NAMES = ("Andersson Johansson Karlsson Nilsson Eriksson Larsson Olsson Persson Svensson Gustafsson "
              "Pettersson Jonsson Jansson Hansson Bengtsson Lindberg Lindqvist Berg Holm Ek Sandberg "
              "Forsberg Lundgren Mattsson Wallin Hedlund Nyström Åberg Söderberg Björk").split()
YEARS = list(range(2012, 2027))


@dataclass
class Base:
    """The real documents a synthetic archive copies, with their chunks and vectors."""

    documents: list[Document]
    chunks: list[list[Chunk]]
    vectors: list[np.ndarray]
    embedder: str
    chunking: dict

    @property
    def spread(self) -> np.ndarray:
        return np.vstack(self.vectors).std(axis=0)


@dataclass
class Synthetic:
    """A generated archive in index row order (as index.build writes it: by date, then path)."""

    documents: list[tuple[Document, str, list[str]]]
    chunks: list[Chunk]
    vectors: np.ndarray
    networks: list[tuple[str, float]]  # (slug, share of documents), largest first


def load_base(store: Path) -> Base:
    """Documents, chunks and vectors of the live generation of an index store."""
    gen = current_generation(store)
    if gen is None:
        raise SystemExit(f"no index at {store}; build one with `arkiv ingest corpus/ --index {store}`")
    manifest = Manifest.load(gen)
    meta = MetaStore(gen / "meta.sqlite")
    matrix = np.load(gen / "vectors.npy", mmap_mode="r")
    documents, chunks, vectors = [], [], []
    try:
        for row in meta.document_rows():
            rows = meta.chunk_rows_of(row["doc_id"])
            if not rows:
                continue
            documents.append(meta.document(row["doc_id"]))
            chunks.append(meta.chunks_of(row["doc_id"]))
            vectors.append(np.asarray(matrix[rows], dtype=np.float32))
    finally:
        meta.close()
    return Base(documents, chunks, vectors, manifest.embedder, manifest.chunking)


def _networks(count: int, rng: np.random.Generator) -> list[tuple[str, str, float]]:
    lines = MUNICIPALITIES.read_text(encoding="utf-8").splitlines()[1:]
    names = [line.split("\t")[0] for line in lines if line.strip()]
    chosen = rng.choice(len(names), count, replace=False)
    weights = 1.0 / np.arange(1, count + 1) ** 0.8
    weights /= weights.sum()
    result = []
    for rank, index in enumerate(chosen):
        name = names[index]
        slug = hashlib.sha1(name.encode()).hexdigest()[:4] + "-" + "".join(
            c for c in name.lower().replace("å", "a").replace("ä", "a").replace("ö", "o") if c.isalnum())
        result.append((f"{slug}-digitalisering", name, float(weights[rank])))
    return result


def _date(rng: np.random.Generator) -> str:
    year_weights = np.linspace(1.0, 3.0, len(YEARS))
    year = int(rng.choice(YEARS, p=year_weights / year_weights.sum()))
    day = dt.date(year, 1, 1) + dt.timedelta(days=int(rng.integers(0, 365)))
    return day.isoformat()


def generate(base: Base, size: int, seed: int = 0, noise: float = 0.9, networks: int = 40) -> Synthetic:
    """A synthetic archive of exactly ``size`` chunks (see the module docstring)."""
    rng = np.random.default_rng(seed)
    nets = _networks(networks, rng)
    shares = np.array([w for _, _, w in nets])
    people = [f"{f} {l}" for f in FIRST_NAMES for l in LAST_NAMES]
    regulars = {slug: rng.choice(len(people), 25, replace=False) for slug, _, _ in nets}
    entries = []  # (date, path, document, chunks, base document index)
    total, number = 0, 0
    while total < size:
        which = int(rng.integers(len(base.documents)))
        source = base.documents[which]
        slug, place, _ = nets[int(rng.choice(len(nets), p=shares))]
        date = _date(rng)
        path = f"{slug}/{date[:4]}/{date}_{slug}_{number:07d}.{source.format}"
        doc_id = hashlib.sha1(path.encode()).hexdigest()[:12]
        title = f"{source.title} – {place} {date}"
        names = rng.choice(regulars[slug], int(rng.integers(3, 11)), replace=False)
        persons = [Person(people[i], f"{place} kommun", "presenter" if j == 0 else "present")
                   for j, i in enumerate(names)]
        doc = replace(source, doc_id=doc_id, path=path, title=title, date=date, date_precision="day", network=slug,
                      content_hash=hashlib.sha256(path.encode()).hexdigest(), people=persons)
        pieces = base.chunks[which][:size - total]
        chunks = [replace(c, chunk_id=f"{doc_id}-{n}", doc_id=doc_id,
                          embed_text=embed_prefix(title, c.section) + c.text) for n, c in enumerate(pieces)]
        entries.append((date, path, doc, chunks, which))
        total += len(chunks)
        number += 1
    entries.sort(key=lambda e: (e[0], e[1]))
    counts = {}
    for _, _, doc, _, _ in entries:
        counts[doc.network] = counts.get(doc.network, 0) + 1
    vectors = _vectors([(which, len(chunks)) for *_, chunks, which in entries], base, noise, rng)
    return Synthetic([(doc, "synthetic", []) for _, _, doc, _, _ in entries],
                     [c for _, _, _, chunks, _ in entries for c in chunks], vectors,
                     sorted(((s, n / len(entries)) for s, n in counts.items()), key=lambda x: -x[1]))


def _vectors(plan: list[tuple[int, int]], base: Base, noise: float, rng: np.random.Generator) -> np.ndarray:
    """The copied chunks' vectors plus scaled Gaussian noise, renormalised, in row order."""
    dim = base.vectors[0].shape[1]
    size = sum(n for _, n in plan)
    out = np.empty((size, dim), dtype=np.float32)
    scale = (noise * base.spread).astype(np.float32)
    row = 0
    for which, count in plan:
        out[row:row + count] = base.vectors[which][:count]
        row += count
    for start in range(0, size, 100_000):
        block = out[start:start + 100_000]
        block += rng.standard_normal(block.shape, dtype=np.float32) * scale
        block /= np.linalg.norm(block, axis=1, keepdims=True)
    return out


def write_store(store: Path, synthetic: Synthetic, base: Base, kind: str | None = None) -> dict[str, float]:
    """Write a synthetic archive as a live index generation; seconds per stage.

    Mirrors index.build._write_generation (BM25 over analysed embed texts, the vector
    index chosen by size, the metadata database, manifest, atomic publish) with each stage
    timed apart.
    """
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    gen = new_generation(store)
    t = time.perf_counter()
    analyzer = SwedishAnalyzer()
    tokens = [analyzer.tokens(c.embed_text) for c in synthetic.chunks]
    seconds["analyse"] = time.perf_counter() - t
    t = time.perf_counter()
    lexical = LexicalIndex.build(tokens)
    del tokens
    seconds["bm25_build"] = time.perf_counter() - t
    t = time.perf_counter()
    lexical.save(gen)
    seconds["bm25_save"] = time.perf_counter() - t
    del lexical
    t = time.perf_counter()
    vectors = VectorIndex.build(synthetic.vectors, kind)
    seconds["vector_build"] = time.perf_counter() - t
    t = time.perf_counter()
    vectors.save(gen)
    seconds["vector_save"] = time.perf_counter() - t
    t = time.perf_counter()
    info = {"last_ingest": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
            "roots": json.dumps(["synthetic"])}
    write_metastore(gen / "meta.sqlite", synthetic.documents, synthetic.chunks, [], info)
    seconds["metadata"] = time.perf_counter() - t
    t = time.perf_counter()
    write_directory(gen / "meta.sqlite", [doc for doc, _, _ in synthetic.documents])
    seconds["people_directory"] = time.perf_counter() - t
    Manifest.new(base.embedder, synthetic.vectors.shape[1], base.chunking, len(synthetic.documents),
                 len(synthetic.chunks), vectors.kind).save(gen)
    t = time.perf_counter()
    publish(store, gen)
    seconds["publish_fsync"] = time.perf_counter() - t
    seconds["total"] = time.perf_counter() - started
    return seconds
