"""Benchmark the spine on corpus/: ingest throughput, index build time, query latency.

Usage: python benchmarks/bench_spine.py [--corpus corpus] [--embedder multilingual-e5-small] [--repeat 5]

Ingests into a fresh temporary store (no embedding cache), so the figures include parsing,
chunking, embedding and index writing. Prints figures; it asserts nothing (speed is never a
test). Results are also written as JSON to benchmarks/out/spine.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import time
from pathlib import Path

from index.archive import Archive
from index.build import ingest
from index.search import search
from ingest.config import IngestConfig
from ingest.embedding import load_embedder

HERE = Path(__file__).resolve().parent


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", default=str(HERE.parent / "corpus"))
    parser.add_argument("--embedder", default=IngestConfig.embedder)
    parser.add_argument("--repeat", type=int, default=5, help="passes over the query list")
    args = parser.parse_args()
    embedder = load_embedder(args.embedder)
    queries = [q.strip() for q in (HERE / "queries.txt").read_text(encoding="utf-8").splitlines() if q.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "index"
        started = time.perf_counter()
        report = ingest([Path(args.corpus)], store, IngestConfig(embedder=args.embedder), embedder=embedder)
        total = time.perf_counter() - started
        archive = Archive.open(store, embedder)
        search(archive, "uppvärmning", k=10)  # warm caches once
        latencies: list[float] = []
        for _ in range(args.repeat):
            for query in queries:
                t = time.perf_counter()
                search(archive, query, k=10)
                latencies.append((time.perf_counter() - t) * 1000)
        bare_t = time.perf_counter()
        texts = [c.embed_text for c in archive.meta.chunks_by_rows(list(range(min(archive.size, 256)))).values()]
        embedder.embed_passages(texts)
        bare = len(texts) / (time.perf_counter() - bare_t)
    figures = {
        "machine": f"{platform.machine()}, {platform.processor() or 'cpu'}, python {platform.python_version()}",
        "embedder": args.embedder, "documents": report.documents, "chunks": report.chunks,
        "ingest_seconds": round(total, 2), "chunks_per_second": round(report.chunks / total, 1),
        "bare_embedder_chunks_per_second": round(bare, 1),
        "read_seconds": round(report.timings.get("read", 0), 2), "embed_seconds": round(report.timings.get("embed", 0), 2),
        "index_build_seconds": round(report.timings.get("index", 0), 2),
        "queries": len(latencies), "latency_ms_p50": round(statistics.median(latencies), 1),
        "latency_ms_p95": round(percentile(latencies, 95), 1), "latency_ms_max": round(max(latencies), 1),
    }
    (HERE / "out").mkdir(exist_ok=True)
    (HERE / "out" / "spine.json").write_text(json.dumps(figures, indent=2), encoding="utf-8")
    for key, value in figures.items():
        print(f"{key:34} {value}")


if __name__ == "__main__":
    main()
