"""Measure fusion settings on the labeled questions, to choose the defaults by figures.

Usage: python benchmarks/tune_retrieval.py [--index data/index] [--bm25]

Prints nDCG@10, recall@10, MRR@10 and first-hit accuracy for a grid of Ranking settings
(reciprocal rank fusion constant, dense weight, thesaurus weight for sentences, document
aggregation, pseudo-relevance feedback on or off). Keyword queries keep their own rules.
The chosen defaults and their figures are recorded in benchmarks/RESULTS.md.

With ``--bm25``: the BM25 parameters instead (k1 × b, default search otherwise), on all
questions and on each half (alternating ids), with the setting each half would choose
scored on the other half.
"""

from __future__ import annotations

import argparse
import copy
import itertools
from pathlib import Path

from index.archive import Archive
from index.evaluation import MethodScore, evaluate, load_questions
from index.lexical import BM25_B, BM25_K1, LexicalIndex
from index.search import Ranking, search

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--index", default=str(ROOT / "data" / "index"))
    parser.add_argument("--labels", default=str(ROOT / "tests" / "data" / "labels"))
    parser.add_argument("--bm25", action="store_true", help="tune BM25's k1 and b instead of the fusion")
    args = parser.parse_args()
    archive = Archive.open(Path(args.index))
    questions = load_questions(Path(args.labels))
    if args.bm25:
        bm25_grid(archive, questions)
        return
    grid = itertools.product([20, 60], [1.0, 1.5], [0.0, 0.3], [0.0, 0.3], [0, 3])
    methods = {}
    for rrf_k, dense_w, exp_w, decay, feedback in grid:
        ranking = Ranking(rrf_k=rrf_k, dense_weight=dense_w, expansion_weight=exp_w, doc_decay=decay,
                          feedback_docs=feedback)
        name = f"k={rrf_k} dense={dense_w} thesaurus={exp_w} decay={decay} feedback docs={feedback}"

        def run(arch, query, ranking=ranking):
            return [h.path for h in search(arch, query, k=10, ranking=ranking).hits]

        methods[name] = (archive, run)
    scores = evaluate(archive, questions, methods)
    print(f"questions: {len(questions)}")
    print("| setting | nDCG@10 | recall@10 | MRR@10 | first hit |")
    print("|---|---|---|---|---|")
    for s in sorted(scores, key=lambda s: -s.ndcg10):
        print(f"| {s.name} | {s.ndcg10:.3f} | {s.recall10:.3f} | {s.mrr10:.3f} | {s.top1:.3f} |")


def bm25_grid(archive: Archive, questions: list) -> None:
    """Default search with the lexical index rebuilt for each k1 and b."""
    texts = archive.meta.chunks_by_rows(list(range(archive.size)))
    tokens = [archive.analyzer.tokens(texts[r].embed_text) for r in range(archive.size)]
    halves = [questions[0::2], questions[1::2]]

    def run(arch, query):
        return [p for h in search(arch, query, k=10).hits for p in (h.path, *(s["path"] for s in h.sources))]

    scores: dict[tuple[float, float], list[MethodScore]] = {}
    for k1, b in itertools.product([0.9, 1.2, 1.5, 2.0], [0.4, 0.6, 0.75, 0.9]):
        variant = copy.copy(archive)
        variant.lexical = LexicalIndex.build(tokens, k1=k1, b=b)
        scores[(k1, b)] = [evaluate(variant, part, {"bm25": (variant, run)})[0]
                           for part in (questions, *halves)]
    print(f"questions: {len(questions)} (halves of {len(halves[0])} and {len(halves[1])})")
    print("| k1, b | nDCG@10 | recall@10 | MRR@10 | first hit |")
    print("|---|---|---|---|---|")
    for (k1, b), (s, _, _) in sorted(scores.items(), key=lambda item: -item[1][0].ndcg10):
        mark = " (shipped)" if (k1, b) == (BM25_K1, BM25_B) else ""
        print(f"| {k1}, {b}{mark} | {s.ndcg10:.3f} | {s.recall10:.3f} | {s.mrr10:.3f} | {s.top1:.3f} |")
    for i in (1, 2):
        best = max(scores, key=lambda g: scores[g][i].ndcg10)
        other = 3 - i
        print(f"tuned on half {i}: {best}; on half {other} nDCG@10 {scores[best][other].ndcg10:.3f}, "
              f"shipped {scores[(BM25_K1, BM25_B)][other].ndcg10:.3f}")


if __name__ == "__main__":
    main()
