"""The evaluation harness: metrics of one ranking, subsets, and `arkiv eval` end to end (fake embedder)."""

from __future__ import annotations

import json
import math

import pytest
from click.testing import CliRunner

from arkiv.cli import main
from index.evaluation import MethodScore, Question, is_keyword_query, load_questions, score_ranking, subset


def test_score_ranking_metrics() -> None:
    m = score_ranking(["x", "a", "y", "b"], frozenset({"a", "b", "c"}))
    assert m["top1"] == 0 and m["mrr10"] == 0.5
    assert m["recall5"] == pytest.approx(2 / 3) and m["recall10"] == pytest.approx(2 / 3)
    ideal = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert m["ndcg10"] == pytest.approx((1 / math.log2(3) + 1 / math.log2(5)) / ideal)


def test_recall_is_capped_at_k() -> None:
    relevant = frozenset(f"d{i}" for i in range(12))
    assert score_ranking([f"d{i}" for i in range(10)], relevant)["recall10"] == 1.0
    assert score_ranking([], relevant) == {"recall5": 0, "recall10": 0, "mrr10": 0, "ndcg10": 0, "top1": 0}


def test_subset_averages_only_the_chosen_questions() -> None:
    per = {"a": {"recall5": 1, "recall10": 1, "mrr10": 1, "ndcg10": 1, "top1": 1},
           "b": {"recall5": 0, "recall10": 0, "mrr10": 0, "ndcg10": 0, "top1": 0}}
    score = MethodScore("m", 0.5, 0.5, 0.5, 0.5, 0.5, ["b"], per)
    (only_a,) = subset([score], {"a"})
    assert only_a.ndcg10 == 1 and only_a.missed == []
    (none,) = subset([score], set())
    assert none.ndcg10 == 0


def test_keyword_queries_told_from_sentences() -> None:
    assert is_keyword_query(Question("k", "PUB-avtal molntjänster", frozenset({"p"})))
    assert not is_keyword_query(Question("s", "vad sa kommunerna om PUB-avtal för molntjänster?", frozenset({"p"})))


def test_labels_load_and_every_path_exists() -> None:
    from conftest import CORPUS, LABELS
    questions = load_questions(LABELS)
    assert len({q.qid for q in questions}) == len(questions), "question ids must be unique"
    assert sum(is_keyword_query(q) for q in questions) >= 20
    missing = sorted({p for q in questions for p in q.relevant if not (CORPUS / p).is_file()})
    assert not missing, f"labels name files that are not in corpus/: {missing}"


def test_pooled_judgments_are_consistent() -> None:
    # Documents read and judged not relevant (pooling) are real files and never also relevant.
    import yaml
    from conftest import CORPUS, LABELS
    judged = 0
    for path in sorted(LABELS.glob("*.yaml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8")).get("search", []) or []:
            relevant = [r["path"] for r in item["relevant"]]
            rejected = item.get("judged_not_relevant", []) or []
            judged += len(rejected)
            assert len(set(relevant)) == len(relevant), f"{item['id']}: a document is labeled twice"
            assert not set(relevant) & set(rejected), f"{item['id']}: judged both relevant and not"
            assert all((CORPUS / p).is_file() for p in rejected), f"{item['id']}: judged a missing file"
    assert judged >= 500


def test_arkiv_eval_prints_groups(mini_store, tmp_path) -> None:
    labels = tmp_path / "labels"
    labels.mkdir()
    (labels / "mini.yaml").write_text(
        "search:\n"
        "  - id: m1\n    query: \"DNP\"\n    relevant:\n"
        "      - path: natverk-a/2023/2023-03-14_natverk-a_anteckningar.md\n"
        "  - id: m2\n    query: \"vad sa nätverket om personuppgiftsbiträdesavtal för molntjänster?\"\n"
        "    relevant:\n      - path: natverk-b/2024/2024-02-20_natverk-b_anteckningar.txt\n",
        encoding="utf-8")
    runner = CliRunner()
    out = runner.invoke(main, ["eval", "--index", str(mini_store), "--labels", str(labels)])
    assert out.exit_code == 0, out.output
    assert "Keyword queries (up to 4 words)" in out.output and "Questions written as sentences" in out.output
    data = json.loads(runner.invoke(main, ["eval", "--index", str(mini_store), "--labels", str(labels),
                                           "--json"]).output)
    assert data["questions"] == 2
    assert {g["questions"] for g in data["groups"].values()} == {1}
    by_name = {m["method"]: m for m in data["methods"]}
    default = next(m for name, m in by_name.items() if name.endswith("(default)"))
    assert 0 <= default["ndcg@10"] <= 1
