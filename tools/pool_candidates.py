"""Pool retrieval candidates for the labeled questions so a person can judge them (TREC-style pooling).

Usage: python tools/pool_candidates.py [--index data/index] [--out pool.md] [--depth 10]

For every search question in tests/data/labels/*.yaml this collects the documents that any
method (BM25, dense, hybrid) ranks in its top ``depth``, and prints each candidate with the
passages that matched, marked as already labeled or not. A judge reads the passages and adds
every document that answers the question to the question's `relevant` list. Pooling keeps
the labels complete where questions are answered by documents of several networks.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from index.archive import Archive
from index.evaluation import load_questions
from index.search import search

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--index", default=str(ROOT / "data" / "index"))
    parser.add_argument("--labels", default=str(ROOT / "tests" / "data" / "labels"))
    parser.add_argument("--out", default="pool.md")
    parser.add_argument("--depth", type=int, default=10)
    args = parser.parse_args()
    archive = Archive.open(Path(args.index))
    out: list[str] = []
    for question in load_questions(Path(args.labels)):
        pooled: dict[str, list] = {}
        for method in ("bm25", "dense", "hybrid"):
            for hit in search(archive, question.query, k=args.depth, method=method).hits:
                pooled.setdefault(hit.path, [])
                for h in [hit, *hit.more[:1]]:
                    if all(h.chunk_id != seen.chunk_id for seen in pooled[hit.path]):
                        pooled[hit.path].append(h)
        out.append(f"## {question.qid}: {question.query}\n")
        for path, hits in sorted(pooled.items(), key=lambda item: item[0] not in question.relevant):
            mark = "LABELED" if path in question.relevant else "candidate"
            out.append(f"### [{mark}] {path}")
            for h in hits[:2]:
                text = " ".join(h.text.split())[:700]
                out.append(f"- section: {h.section or '-'} (page {h.page}): {text}")
            out.append("")
    Path(args.out).write_text("\n".join(out), encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
