"""Measure fusion settings on the labeled questions, to choose the defaults by figures.

Usage: python benchmarks/tune_retrieval.py [--index data/index]

Prints nDCG@10, recall@10, MRR@10 and first-hit accuracy for a grid of Ranking settings
(reciprocal rank fusion constant, dense weight, thesaurus weight for sentences, document
aggregation, pseudo-relevance feedback on or off). Keyword queries keep their own rules.
The chosen defaults and their figures are recorded in benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

from index.archive import Archive
from index.evaluation import evaluate, load_questions
from index.search import Ranking, search

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--index", default=str(ROOT / "data" / "index"))
    parser.add_argument("--labels", default=str(ROOT / "tests" / "data" / "labels"))
    args = parser.parse_args()
    archive = Archive.open(Path(args.index))
    questions = load_questions(Path(args.labels))
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


if __name__ == "__main__":
    main()
