"""Retrieval evaluation on labeled questions: recall@k, MRR@10, nDCG@10 and top-1 per method."""

from __future__ import annotations

import copy
import math
from dataclasses import replace
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from index.analysis import SwedishAnalyzer
from index.archive import Archive
from index.lexical import LexicalIndex
from index.search import DEFAULT_RANKING, RRF_K, Ranking, search


@dataclass(frozen=True)
class Question:
    """A labeled search question and the documents (paths) that answer it."""

    qid: str
    query: str
    relevant: frozenset[str]


@dataclass
class MethodScore:
    """Averages over all questions for one method, plus the questions it missed."""

    name: str
    recall5: float
    recall10: float
    mrr10: float
    ndcg10: float
    top1: float
    missed: list[str] = field(default_factory=list)
    per_question: dict[str, dict[str, float]] = field(default_factory=dict, repr=False)

    def row(self) -> dict:
        return {"method": self.name, "recall@5": round(self.recall5, 4), "recall@10": round(self.recall10, 4),
                "mrr@10": round(self.mrr10, 4), "ndcg@10": round(self.ndcg10, 4), "top1": round(self.top1, 4)}


def load_questions(folder: Path) -> list[Question]:
    """Every `search:` question of the YAML label files in a folder."""
    questions: list[Question] = []
    for path in sorted(folder.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in data.get("search", []) or []:
            relevant = frozenset(r["path"] for r in item.get("relevant", []) if r.get("path"))
            if relevant:
                questions.append(Question(str(item["id"]), str(item["query"]), relevant))
    return questions


def score_ranking(ranked_paths: Sequence[str], relevant: frozenset[str]) -> dict[str, float]:
    """Metrics of one ranked list of document paths against the relevant set."""
    def recall(k: int) -> float:
        # Capped at k: a question with 12 answering documents can reach 1.0 at k=10.
        return len(set(ranked_paths[:k]) & relevant) / min(len(relevant), k)

    first = next((i for i, p in enumerate(ranked_paths[:10], start=1) if p in relevant), None)
    dcg = sum(1 / math.log2(i + 1) for i, p in enumerate(ranked_paths[:10], start=1) if p in relevant)
    ideal = sum(1 / math.log2(i + 1) for i in range(1, min(len(relevant), 10) + 1))
    return {"recall5": recall(5), "recall10": recall(10), "mrr10": 1 / first if first else 0.0,
            "ndcg10": dcg / ideal if ideal else 0.0, "top1": 1.0 if first == 1 else 0.0}


Runner = Callable[[Archive, str], list[str]]


def _runner(method: str, ranking: Ranking = DEFAULT_RANKING) -> Runner:
    def run(archive: Archive, query: str) -> list[str]:
        result = search(archive, query, k=10, method=method, ranking=ranking)
        # A folded duplicate is shown with its hit, so it counts as retrieved at that rank.
        return [p for h in result.hits for p in (h.path, *(s["path"] for s in h.sources))]
    return run


def without_compounds(archive: Archive) -> Archive:
    """A shallow copy of the archive whose lexical side does not split compounds."""
    variant = copy.copy(archive)
    variant.analyzer = SwedishAnalyzer(split_compounds=False)
    texts = [c.embed_text for c in archive.meta.chunks_by_rows(list(range(archive.size))).values()]
    variant.lexical = LexicalIndex.build([variant.analyzer.tokens(t) for t in texts])
    return variant


def evaluate(archive: Archive, questions: Sequence[Question],
             methods: dict[str, tuple[Archive, Runner]] | None = None) -> list[MethodScore]:
    """Run every question through every method and average the metrics.

    Args:
        archive: The opened index of the corpus the labels describe.
        questions: The labeled questions.
        methods: name -> (archive variant, runner); the standard side-by-side set when None.
    """
    if methods is None:
        plain = without_compounds(archive)
        rules = DEFAULT_RANKING.without_feedback().without_summaries()
        bare = rules.without_expansion().uniform()
        untuned = (Ranking(rrf_k=RRF_K, dense_weight=1.0, lexical_weight=1.0)
                   .without_feedback().without_summaries().without_expansion().uniform())
        expanded = replace(bare, short_expansion_weight=DEFAULT_RANKING.short_expansion_weight)
        methods = {
            "bm25 (stemmer only)": (plain, _runner("bm25", bare)),
            "bm25 + compounds": (archive, _runner("bm25", bare)),
            "bm25 + compounds + thesaurus for keyword queries": (archive, _runner("bm25", expanded)),
            "dense (e5)": (archive, _runner("dense")),
            "hybrid, RRF k=60 equal weights, stemmer only": (plain, _runner("hybrid", untuned)),
            "hybrid, RRF k=60 equal weights + compounds": (archive, _runner("hybrid", untuned)),
            "hybrid, tuned fusion, stemmer only": (plain, _runner("hybrid", bare)),
            "hybrid, tuned fusion + compounds": (archive, _runner("hybrid", bare)),
            "hybrid, tuned fusion + compounds + thesaurus for keyword queries":
                (archive, _runner("hybrid", expanded)),
            "hybrid, tuned fusion + compounds + keyword-query rules (thesaurus, dense weight 0.5)":
                (archive, _runner("hybrid", rules)),
            "hybrid, tuned fusion + compounds + keyword-query rules + feedback from the first 3 documents":
                (archive, _runner("hybrid", DEFAULT_RANKING.without_summaries())),
            "hybrid, the above + meeting summaries borrow their meeting's score (default)":
                (archive, _runner("hybrid")),
            "hybrid, default + thesaurus for sentences too":
                (archive, _runner("hybrid", DEFAULT_RANKING.expanding_all())),
            "hybrid, default + document aggregation":
                (archive, _runner("hybrid", replace(DEFAULT_RANKING, doc_decay=0.3))),
            "hybrid, default with normalised score fusion instead of RRF":
                (archive, _runner("hybrid", replace(DEFAULT_RANKING, fusion="score"))),
        }
    scores: list[MethodScore] = []
    for name, (variant, run) in methods.items():
        per_question = {q.qid: score_ranking(run(variant, q.query), q.relevant) for q in questions}
        scores.append(_average(name, per_question))
    return scores


def _average(name: str, per_question: dict[str, dict[str, float]]) -> MethodScore:
    n = max(len(per_question), 1)
    mean = {key: sum(m[key] for m in per_question.values()) / n
            for key in ("recall5", "recall10", "mrr10", "ndcg10", "top1")}
    missed = [qid for qid, m in per_question.items() if m["top1"] == 0]
    return MethodScore(name, mean["recall5"], mean["recall10"], mean["mrr10"], mean["ndcg10"], mean["top1"],
                       missed, per_question)


def subset(scores: Sequence[MethodScore], qids: set[str]) -> list[MethodScore]:
    """The same scores averaged over some of the questions only."""
    return [_average(s.name, {q: m for q, m in s.per_question.items() if q in qids}) for s in scores]


def query_kinds(questions: Sequence[Question]) -> dict[str, set[str]]:
    """Question ids by kind: keyword queries and questions written as sentences."""
    keyword = {q.qid for q in questions if is_keyword_query(q)}
    return {"keyword queries (up to 4 words)": keyword,
            "questions written as sentences": {q.qid for q in questions} - keyword}


def is_keyword_query(question: Question) -> bool:
    """A short query as users type them ("DNP", "AI fusk"), as opposed to a sentence."""
    return DEFAULT_RANKING.is_keyword_query(question.query)


def format_table(scores: Sequence[MethodScore], questions: int) -> str:
    """A Markdown table of the scores."""
    lines = [f"Questions: {questions}", "",
             "| method | recall@5 | recall@10 | MRR@10 | nDCG@10 | first hit correct |",
             "|---|---|---|---|---|---|"]
    for s in scores:
        lines.append(f"| {s.name} | {s.recall5:.3f} | {s.recall10:.3f} | {s.mrr10:.3f} | {s.ndcg10:.3f} | {s.top1:.3f} |")
    return "\n".join(lines)
