"""Measure fusion settings on the labeled questions, to choose the defaults by figures.

Usage: python benchmarks/tune_retrieval.py [--index data/index] [--bm25 | --fusion | --summaries]

Prints nDCG@10, recall@10, MRR@10 and first-hit accuracy for a grid of Ranking settings
(reciprocal rank fusion constant, dense weight, thesaurus weight for sentences, document
aggregation, pseudo-relevance feedback on or off). Keyword queries keep their own rules.
The chosen defaults and their figures are recorded in benchmarks/RESULTS.md.

With ``--bm25``: the BM25 parameters instead (k1 × b, default search otherwise), on all
questions and on each half (alternating ids), with the setting each half would choose
scored on the other half.

With ``--fusion``: normalised score fusion (``Ranking.fusion="score"``) against the shipped
reciprocal rank fusion, over a grid of the dense share for sentences and for keyword
queries, reported the same way (all questions, each half, held-out choice).

With ``--summaries``: the share of their meeting's best score that meeting summaries
(sections of yearly overview pages) borrow (``Ranking.summary_weight``; index/meetings.py),
reported the same way.
"""

from __future__ import annotations

import argparse
import copy
import itertools
from dataclasses import replace
from pathlib import Path

from index.archive import Archive
from index.evaluation import MethodScore, evaluate, load_questions, subset
from index.lexical import BM25_B, BM25_K1, LexicalIndex
from index.search import DEFAULT_RANKING, Ranking, search

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--index", default=str(ROOT / "data" / "index"))
    parser.add_argument("--labels", default=str(ROOT / "tests" / "data" / "labels"))
    parser.add_argument("--bm25", action="store_true", help="tune BM25's k1 and b instead of the fusion")
    parser.add_argument("--fusion", action="store_true", help="normalised score fusion against RRF")
    parser.add_argument("--summaries", action="store_true", help="the share meeting summaries borrow")
    args = parser.parse_args()
    archive = Archive.open(Path(args.index))
    questions = load_questions(Path(args.labels))
    if args.bm25:
        bm25_grid(archive, questions)
        return
    if args.fusion or args.summaries:
        (fusion_grid if args.fusion else summary_grid)(archive, questions)
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
        scores[(k1, b)] = with_halves(evaluate(variant, questions, {"bm25": (variant, run)})[0], halves)
    print_with_halves(scores, (BM25_K1, BM25_B), "k1, b", halves)


def fusion_grid(archive: Archive, questions: list) -> None:
    """Normalised score fusion at several dense shares, against the shipped RRF."""
    halves = [questions[0::2], questions[1::2]]
    shipped = ("rrf", f"k={DEFAULT_RANKING.rrf_k}, dense weight {DEFAULT_RANKING.dense_weight}")
    settings: dict[tuple, Ranking] = {shipped: DEFAULT_RANKING}
    # Dense weight w against lexical 1.0 is a dense share of w / (w + 1): 0.4 ... 0.8.
    for dense_w, short_w in itertools.product([0.67, 1.0, 1.5, 2.33, 4.0], [0.25, 0.5, 1.0]):
        share, short_share = round(dense_w / (dense_w + 1), 2), round(short_w / (short_w + 1), 2)
        settings[("score", f"dense share {share}, keyword queries {short_share}")] = replace(
            DEFAULT_RANKING, fusion="score", dense_weight=dense_w, short_dense_weight=short_w)
    print_with_halves(score_settings(archive, questions, settings, halves), shipped, "fusion", halves)


def summary_grid(archive: Archive, questions: list) -> None:
    """Meeting summaries borrowing 0 (off) to 1.0 of their meeting's best score."""
    halves = [questions[0::2], questions[1::2]]
    settings = {w: replace(DEFAULT_RANKING, summary_weight=w) for w in (0.0, 0.25, 0.4, 0.5, 0.6, 0.75, 1.0)}
    scores = score_settings(archive, questions, settings, halves)
    print_with_halves(scores, DEFAULT_RANKING.summary_weight, "summary weight", halves)


def score_settings(archive: Archive, questions: list, settings: dict, halves: list[list]) -> dict:
    """Default search under each Ranking of ``settings`` (key -> Ranking), scored with halves."""
    scores: dict = {}
    for key, ranking in settings.items():
        def run(arch, query, ranking=ranking):
            return [p for h in search(arch, query, k=10, ranking=ranking).hits
                    for p in (h.path, *(s["path"] for s in h.sources))]
        scores[key] = with_halves(evaluate(archive, questions, {"x": (archive, run)})[0], halves)
    return scores


def with_halves(score: MethodScore, halves: list[list]) -> list[MethodScore]:
    """A method's score on all questions, then on each half."""
    return [score, *(subset([score], {q.qid for q in half})[0] for half in halves)]


def print_with_halves(scores: dict, shipped, label: str, halves: list[list]) -> None:
    """A table of the settings on all questions, best nDCG@10 first, and the held-out check:
    the setting each half of the questions would choose, scored on the other half."""
    print(f"questions: {sum(len(h) for h in halves)} (halves of {len(halves[0])} and {len(halves[1])})")
    print(f"| {label} | nDCG@10 | recall@10 | MRR@10 | first hit |")
    print("|---|---|---|---|---|")
    for key, (s, _, _) in sorted(scores.items(), key=lambda item: -item[1][0].ndcg10):
        mark = " (shipped)" if key == shipped else ""
        name = ", ".join(map(str, key)) if isinstance(key, tuple) else str(key)
        print(f"| {name}{mark} | {s.ndcg10:.3f} | {s.recall10:.3f} | {s.mrr10:.3f} | {s.top1:.3f} |")
    for i in (1, 2):
        best = max(scores, key=lambda g: scores[g][i].ndcg10)
        other = 3 - i
        print(f"tuned on half {i}: {best}; on half {other} nDCG@10 {scores[best][other].ndcg10:.3f}, "
              f"recall@10 {scores[best][other].recall10:.3f}; shipped {scores[shipped][other].ndcg10:.3f}, "
              f"{scores[shipped][other].recall10:.3f}")


if __name__ == "__main__":
    main()
