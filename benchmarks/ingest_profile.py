"""Where ingest time goes: parse, chunk, embed, index; the bare embedder; overlap; re-ingest.

Usage (benchmarks/run.py calls these; each prints one JSON object on its last line):
    python benchmarks/ingest_profile.py ingest --corpus corpus --store DIR [--sample 300]
    python benchmarks/ingest_profile.py overlap --corpus corpus [--sample 160]
    python benchmarks/ingest_profile.py embed-query        (run it with and without OMP_WAIT_POLICY=PASSIVE)
    python benchmarks/ingest_profile.py incremental --base STORE --work DIR [--docs 1000]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import time
from pathlib import Path

import numpy as np

from measure import QUERIES, peak_rss_mib, timed

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def _emit(result: dict) -> None:
    result["peak_rss_mib"] = peak_rss_mib()
    result["load_avg_1m"] = round(os.getloadavg()[0], 1)
    print(json.dumps(result, ensure_ascii=False))


def parse_and_chunk(corpus: Path, embedder) -> dict:
    """Read every file of ``corpus`` the way ingest does, timing parsing, metadata and chunking apart."""
    from ingest.chunking import chunk_document
    from ingest.config import IngestConfig
    from ingest.metadata import extract_metadata
    from ingest.models import Document
    from ingest.people import extract_people
    from ingest.pipeline import discover, doc_id_for, read_sidecar
    from ingest.readers import read_document

    config = IngestConfig()
    seconds = {"read_bytes": 0.0, "parse": 0.0, "metadata_people": 0.0, "chunk": 0.0}
    texts: list[str] = []
    files = 0
    cpu = time.process_time()
    for path, rel in discover(corpus):
        t0 = time.perf_counter()
        data = path.read_bytes()
        sidecar, _ = read_sidecar(path)
        t1 = time.perf_counter()
        try:
            parsed = read_document(data, Path(rel).name)
        except Exception:  # noqa: BLE001 - skipped files are ingest's business, not the timing's
            continue
        t2 = time.perf_counter()
        meta = extract_metadata(parsed, rel, sidecar)
        doc = Document(doc_id_for(rel), rel, meta.title, meta.date, meta.doc_type, meta.network, "0" * 64,
                       parsed.format, parsed.sections, date_source=meta.date_source,
                       date_precision=meta.date_precision)
        doc.people = extract_people(doc, meta.presenters)
        t3 = time.perf_counter()
        chunks = chunk_document(doc, config, embedder.count_tokens)
        t4 = time.perf_counter()
        seconds["read_bytes"] += t1 - t0
        seconds["parse"] += t2 - t1
        seconds["metadata_people"] += t3 - t2
        seconds["chunk"] += t4 - t3
        texts.extend(c.embed_text for c in chunks)
        files += 1
    return {"files": files, "chunks": len(texts), "seconds": {k: round(v, 2) for k, v in seconds.items()},
            "cpu_s": round(time.process_time() - cpu, 2), "texts": texts}


def ingest_run(args: argparse.Namespace) -> None:
    from index.build import ingest
    from ingest.config import IngestConfig
    from ingest.embedding import embed_texts, load_embedder

    store = Path(args.store)
    shutil.rmtree(store, ignore_errors=True)
    embedder = load_embedder(args.embedder)
    t = time.perf_counter()
    cpu = time.process_time()
    report = ingest([Path(args.corpus)], store, IngestConfig(embedder=args.embedder), embedder=embedder)
    total = time.perf_counter() - t
    ingest_cpu = time.process_time() - cpu
    stages = parse_and_chunk(Path(args.corpus), embedder)
    texts = stages.pop("texts")
    rng = np.random.default_rng(0)
    sample = [texts[i] for i in np.sort(rng.choice(len(texts), min(args.sample, len(texts)), replace=False))]
    t = time.perf_counter()
    cpu = time.process_time()
    embed_texts(embedder, sample, embedder.batch_size)
    bare = time.perf_counter() - t
    bare_cpu = time.process_time() - cpu
    tokens = [embedder.count_tokens(s) for s in sample]
    _emit({"embedder": args.embedder, "documents": report.documents, "chunks": report.chunks,
           "end_to_end_s": round(total, 1), "end_to_end_chunks_per_s": round(report.chunks / total, 2),
           "end_to_end_cpu_s": round(ingest_cpu, 1),
           "ingest_timings_s": {k: round(v, 2) for k, v in report.timings.items()},
           "ingest_embed_chunks_per_s": round(report.embedded / max(report.timings.get("embed", 1e-9), 1e-9), 2),
           "stage_pass": stages,
           "bare_embedder": {"sample": len(sample), "batch": embedder.batch_size, "seconds": round(bare, 1),
                             "chunks_per_s": round(len(sample) / bare, 2), "cpu_s": round(bare_cpu, 1),
                             "cpu_s_per_chunk": round(bare_cpu / len(sample), 3),
                             "mean_tokens": round(float(np.mean(tokens)), 1)}})


def _parse_worker(corpus: str, queue) -> None:
    from ingest.embedding import load_embedder

    t = time.perf_counter()
    parse_and_chunk(Path(corpus), load_embedder("multilingual-e5-small"))
    queue.put(time.perf_counter() - t)


def overlap(args: argparse.Namespace) -> None:
    """Would parsing beside embedding (two processes) shorten an ingest? Measured, not assumed."""
    from ingest.embedding import embed_texts, load_embedder

    embedder = load_embedder("multilingual-e5-small")
    t = time.perf_counter()
    stages = parse_and_chunk(Path(args.corpus), embedder)
    parse_alone = time.perf_counter() - t
    texts = stages.pop("texts")
    sample = [texts[i] for i in np.sort(np.random.default_rng(1).choice(len(texts), args.sample, replace=False))]
    t = time.perf_counter()
    embed_texts(embedder, sample, 32)
    embed_alone = time.perf_counter() - t
    queue = multiprocessing.get_context("spawn").Queue()
    worker = multiprocessing.get_context("spawn").Process(target=_parse_worker, args=(args.corpus, queue))
    t = time.perf_counter()
    worker.start()
    embed_texts(embedder, sample, 32)
    embed_beside = time.perf_counter() - t
    parse_beside = queue.get()
    worker.join()
    together = time.perf_counter() - t
    sequential = parse_alone + embed_alone
    _emit({"sample_chunks": len(sample), "parse_chunk_alone_s": round(parse_alone, 1),
           "embed_alone_s": round(embed_alone, 1), "sequential_s": round(sequential, 1),
           "overlapped_s": round(together, 1), "embed_beside_parse_s": round(embed_beside, 1),
           "parse_beside_embed_s": round(parse_beside, 1),
           "gain_s": round(sequential - together, 1), "gain_share": round(1 - together / sequential, 3)})


def embed_query(args: argparse.Namespace) -> None:
    from ingest.embedding import load_embedder

    embedder = load_embedder("multilingual-e5-small")
    texts = [q.strip() for q in QUERIES.read_text(encoding="utf-8").splitlines() if q.strip()]
    _emit({"omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "(default)"),
           "omp_num_threads": os.environ.get("OMP_NUM_THREADS", "(default)"),
           "latency_ms": timed(embedder.embed_query, texts, passes=3)})


def _small_corpus(base_store: Path, target: Path, count: int) -> int:
    """``count`` small Markdown documents made of sections of the base index's documents."""
    from synth import load_base

    base = load_base(base_store)
    sections = [s for d in base.documents for s in d.sections if s.kind == "body" and 200 <= len(s.text) <= 1500]
    rng = np.random.default_rng(3)
    networks = ["ale-ikt", "boras-digital", "kalmar-skolnat", "lulea-it-pedagoger", "umea-digitalisering"]
    shutil.rmtree(target, ignore_errors=True)
    written = 0
    for number in range(count):
        net = networks[number % len(networks)]
        day = f"{2015 + number % 11}-{1 + number % 12:02d}-{1 + number % 28:02d}"
        parts = [f"# Anteckningar {net} {day}\n\nDatum: {day}\n"]
        for index in rng.choice(len(sections), int(rng.integers(2, 5)), replace=False):
            parts.append(f"## {sections[index].heading or 'Övrigt'}\n\n{sections[index].text}\n")
        path = target / net / day[:4] / f"{day}_{net}_anteckningar_{number:04d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(parts), encoding="utf-8")
        written += path.stat().st_size
    return written


def incremental(args: argparse.Namespace) -> None:
    from index.build import ingest
    from ingest.config import IngestConfig
    from ingest.embedding import HashEmbedder

    work = Path(args.work)
    corpus, store = work / "incremental-corpus", work / "incremental-store"
    size = _small_corpus(Path(args.base), corpus, args.docs)
    shutil.rmtree(store, ignore_errors=True)
    embedder, config = HashEmbedder(), IngestConfig(embedder="hash")
    runs = []
    for label in ("first", "unchanged", "one_file_changed"):
        if label == "one_file_changed":
            changed = next(corpus.rglob("*.md"))
            changed.write_text(changed.read_text(encoding="utf-8") + "\nTillägg: en ny mening.\n", encoding="utf-8")
        t = time.perf_counter()
        report = ingest([corpus], store, config, embedder=embedder)
        runs.append({"run": label, "seconds": round(time.perf_counter() - t, 2), "files": report.files,
                     "added": len(report.added), "updated": len(report.updated), "unchanged": report.unchanged,
                     "chunks": report.chunks, "published": report.published,
                     "timings_s": {k: round(v, 2) for k, v in report.timings.items()}})
    _emit({"documents": args.docs, "corpus_bytes": size, "embedder": "hash", "runs": runs})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("task", choices=["ingest", "overlap", "embed-query", "incremental"])
    parser.add_argument("--corpus", default=str(Path(__file__).resolve().parent.parent / "corpus"))
    parser.add_argument("--store")
    parser.add_argument("--base")
    parser.add_argument("--work")
    parser.add_argument("--embedder", default="multilingual-e5-small")
    parser.add_argument("--sample", type=int, default=300)
    parser.add_argument("--docs", type=int, default=1000)
    args = parser.parse_args()
    {"ingest": ingest_run, "overlap": overlap, "embed-query": embed_query, "incremental": incremental}[args.task](args)


if __name__ == "__main__":
    main()
