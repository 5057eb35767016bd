"""The `arkiv` command line: the JSON contract, batch queries and clean errors."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from arkiv.cli import main

from conftest import MINI_CORPUS


@pytest.fixture()
def runner():
    return CliRunner()


def test_search_json_contract(runner, mini_store):
    result = runner.invoke(main, ["search", "Safe Exam Browser tekniktest", "--index", str(mini_store), "-k", "3",
                                  "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["query"] == "Safe Exam Browser tekniktest"
    assert isinstance(data["took_ms"], float) and data["took_ms"] >= 0
    assert 1 <= len(data["results"]) <= 3
    first = data["results"][0]
    for key in ("chunk_id", "doc_id", "path", "title", "date", "doc_type", "section", "page", "text", "score"):
        assert key in first
    assert first["path"] == "natverk-a/2023/2023-03-14_natverk-a_anteckningar.md"
    assert "Safe Exam Browser" in first["text"]
    scores = [r["score"] for r in data["results"]]
    assert scores == sorted(scores, reverse=True)


def test_search_queries_file_prints_one_object_per_line(runner, mini_store, tmp_path):
    queries = tmp_path / "q.txt"
    queries.write_text("skärmtid i förskolan\n\nChatGPT och fusk\n", encoding="utf-8")
    result = runner.invoke(main, ["search", "--queries", str(queries), "--index", str(mini_store), "--json"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [d["query"] for d in lines] == ["skärmtid i förskolan", "ChatGPT och fusk"]
    assert lines[1]["results"][0]["path"].endswith("2023-10-05_natverk-a_anteckningar.md")


def test_search_text_output_and_filters(runner, mini_store):
    result = runner.invoke(main, ["search", "avtal", "--index", str(mini_store), "--network", "natverk-b",
                                  "--from", "2024", "--to", "2024-12"])
    assert result.exit_code == 0, result.output
    assert "natverk-b" in result.output and "natverk-a" not in result.output


def test_index_from_environment(runner, mini_store, monkeypatch):
    monkeypatch.setenv("ARKIV_INDEX", str(mini_store))
    result = runner.invoke(main, ["stats", "--json"])
    assert result.exit_code == 0, result.output
    stats = json.loads(result.output)
    assert stats["documents"] == 5 and stats["embedder"] == "hash"


def test_ingest_report_and_stats(runner, tmp_path):
    store = tmp_path / "idx"
    result = runner.invoke(main, ["ingest", str(MINI_CORPUS), "--index", str(store), "--embedder", "hash"])
    assert result.exit_code == 0, result.output
    assert "files read: 5" in result.output and "chunks:" in result.output and "seconds:" in result.output
    assert "cp1252" in result.output  # the degraded decoding is reported
    again = runner.invoke(main, ["ingest", str(MINI_CORPUS), "--index", str(store), "--embedder", "hash"])
    assert "unchanged: 5" in again.output and "index unchanged" in again.output


@pytest.mark.parametrize("args,code,message", [
    (["search", "prov", "--index", "{missing}"], 1, "no index at"),
    (["search", "--index", "{store}"], 2, "give either a QUERY or --queries FILE"),
    (["search", "prov", "-k", "0", "--index", "{store}"], 2, "0 is not in the range"),
    (["search", "prov", "--from", "2024-13-40", "--index", "{store}"], 1, "is not understood"),
    (["search", "prov", "--from", "2025", "--to", "2024", "--index", "{store}"], 1, "is empty"),
    (["search", "prov", "--type", "poem", "--index", "{store}"], 2, "Invalid value for '--type'"),
    (["stats", "--index", "{missing}"], 1, "arkiv ingest"),
    (["ingest", "{missing}", "--index", "{tmp}", "--embedder", "hash"], 1, "does not exist"),
    (["ingest", "{corpus}", "--index", "{tmp}", "--embedder", "word2vec"], 1, "unknown embedder 'word2vec'"),
    (["ingest", "{corpus}", "--index", "{tmp}", "--embedder", "hash", "--chunk-tokens", "4000"], 1, "outside 32..512"),
])
def test_errors_are_one_clean_line(runner, mini_store, tmp_path, args, code, message):
    values = {"missing": str(tmp_path / "missing"), "store": str(mini_store), "tmp": str(tmp_path / "new"),
              "corpus": str(MINI_CORPUS)}
    result = runner.invoke(main, [a.format(**values) for a in args])
    assert result.exit_code == code, result.output
    assert message in result.output
    if code == 1:
        assert result.output.startswith("arkiv: error: ") and result.output.count("\n") == 1
