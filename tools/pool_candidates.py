"""Judging sheets for completing the labeled questions by pooling (TREC style).

For every question of a label file, the top ``--depth`` documents of several methods are
pooled (BM25, dense, hybrid with the defaults, hybrid with the thesaurus on every query).
The sheet lists each pooled document that is not yet labeled, with its best passages, and
each labeled document with the passage its label names, so that a judge can read them and
decide: relevant (a passage substantively addresses the question) or not.

    python tools/pool_candidates.py tests/data/labels/gr-early.yaml [--depth 15] [--out DIR]

Writes ``<out>/<label file stem>.md`` (default out: benchmarks/out/pool). The judgments
themselves are written into the label file by hand (``relevant:`` entries, and ``judged_not_relevant:`` for pooled documents read
and rejected, which later pooling rounds then skip).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import yaml

from index.archive import Archive
from index.search import DEFAULT_RANKING, search

ROOT = Path(__file__).resolve().parent.parent

METHODS = {
    "bm25": ("bm25", DEFAULT_RANKING),
    "dense": ("dense", DEFAULT_RANKING),
    "hybrid": ("hybrid", DEFAULT_RANKING),
    "hybrid+thesaurus": ("hybrid", DEFAULT_RANKING.expanding_all()),
}
PASSAGE_CHARS = 900


def pooled(archive: Archive, query: str, depth: int) -> dict[str, list[str]]:
    """Pooled document path -> the methods that retrieved it in their top ``depth``."""
    found: dict[str, list[str]] = {}
    for name, (method, ranking) in METHODS.items():
        result = search(archive, query, k=depth, method=method, ranking=ranking)
        for hit in result.hits:
            for path in (hit.path, *(s["path"] for s in hit.sources)):
                found.setdefault(path, [])
                if name not in found[path]:
                    found[path].append(name)
    return found


def best_passages(archive: Archive, path: str, query: str, named: str | None, count: int = 2) -> list[tuple[str, str]]:
    """(section, text) of a document's passages closest to the query, the named section first."""
    doc = next(d for d in archive.documents if d["path"] == path)
    rows = np.array(archive.meta.chunk_rows_of(doc["doc_id"]), dtype=np.int64)
    chunks = archive.meta.chunks_by_rows(rows.tolist())
    scores = archive.vectors.row_scores(rows, archive.embedder.embed_query(query))
    order = [int(rows[i]) for i in np.argsort(-scores)]
    if named:
        wanted = named.lower()
        first = [r for r in rows.tolist() if wanted in chunks[r].section.lower() or wanted in chunks[r].text.lower()]
        order = first[:1] + [r for r in order if r not in first[:1]]
    return [(chunks[r].section, " ".join(chunks[r].text.split())[:PASSAGE_CHARS]) for r in order[:count]]


def sheet(archive: Archive, label_file: Path, depth: int) -> str:
    data = yaml.safe_load(label_file.read_text(encoding="utf-8")) or {}
    out = [f"# Judging sheet for {label_file.name} (pool depth {depth})", ""]
    for item in data.get("search", []) or []:
        query = str(item["query"])
        labeled = {r["path"]: r.get("section") for r in item.get("relevant", []) or []}
        rejected = set(item.get("judged_not_relevant", []) or [])
        pool = pooled(archive, query, depth)
        out += [f"## {item['id']}: {query}", "", "### Labeled relevant (audit)", ""]
        for path, section in labeled.items():
            methods = ", ".join(pool.get(path, [])) or "none"
            out.append(f"- **{path}** (label section: {section!r}; pooled by: {methods})")
            for sec, text in best_passages(archive, path, query, section, count=1):
                out.append(f"  - [{sec}] {text}")
        out += ["", "### Pooled, not yet judged", ""]
        for path, methods in pool.items():
            if path in labeled or path in rejected:
                continue
            out.append(f"- **{path}** (pooled by: {', '.join(methods)})")
            for sec, text in best_passages(archive, path, query, None):
                out.append(f"  - [{sec}] {text}")
        out.append("")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("label_files", nargs="+", type=Path)
    parser.add_argument("--index", type=Path, default=ROOT / "data" / "index")
    parser.add_argument("--depth", type=int, default=15)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "pool")
    args = parser.parse_args()
    archive = Archive.open(args.index)
    args.out.mkdir(parents=True, exist_ok=True)
    for label_file in args.label_files:
        target = args.out / f"{label_file.stem}.md"
        target.write_text(sheet(archive, label_file, args.depth), encoding="utf-8")
        print(target)


if __name__ == "__main__":
    main()
