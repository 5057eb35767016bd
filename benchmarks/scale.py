"""One measurement of benchmarks/run.py, run in its own process so its peak memory is its own.

Usage (run.py calls these; each prints one JSON object on its last line):
    python benchmarks/scale.py build --base STORE --store STORE --size N [--noise 0.9] [--kind KIND]
    python benchmarks/scale.py serve --base STORE --store STORE --qvecs FILE.npy [--queries 100] [--skip-trends]
    python benchmarks/scale.py first --store STORE
    python benchmarks/scale.py kinds --base STORE --store STORE --size N --qvecs FILE.npy [--hnsw-max N]
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()  # before the heavy imports, for `first`

import argparse  # noqa: E402
import importlib.util  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from measure import disk_bytes, peak_rss_mib, query_texts, rss_mib, timed  # noqa: E402


def _emit(result: dict) -> None:
    result["peak_rss_mib"] = peak_rss_mib()
    print(json.dumps(result, ensure_ascii=False))


def build(args: argparse.Namespace) -> None:
    from synth import generate, load_base, write_store

    base = load_base(Path(args.base))
    t = time.perf_counter()
    synthetic = generate(base, args.size, seed=args.seed, noise=args.noise)
    generate_s = time.perf_counter() - t
    seconds = write_store(Path(args.store), synthetic, base, args.kind)
    from index.storage import Manifest, current_generation

    gen = current_generation(Path(args.store))
    _emit({"size": args.size, "documents": len(synthetic.documents), "chunks": len(synthetic.chunks),
           "noise": args.noise, "generate_s": round(generate_s, 1),
           "seconds": {k: round(v, 2) for k, v in seconds.items()},
           "analyse_chunks_per_s": round(args.size / seconds["analyse"]),
           "vector_index": Manifest.load(gen).vector_index, "disk_bytes": disk_bytes(gen),
           "largest_networks": [(s, round(p, 4)) for s, p in synthetic.networks[:3]],
           "smallest_network": synthetic.networks[-1]})


def _filters(archive) -> dict:
    """Realistic filters: the largest network, one of about 1 %, two years, and both."""
    from index.archive import Filters

    names, sizes = np.unique(archive.doc_networks[archive.row_doc].astype(str), return_counts=True)
    counts = dict(zip(names.tolist(), sizes.tolist()))
    ordered = sorted(counts, key=lambda n: -counts[n])
    total = sum(counts.values())
    small = min(ordered, key=lambda n: abs(counts[n] / total - 0.01))
    return {"network_large": Filters(networks=(ordered[0],)), "network_1pct": Filters(networks=(small,)),
            "date_2y": Filters(date_from="2023-01-01", date_to="2024-12-31"),
            "network_large_and_date_2y": Filters(networks=(ordered[0],), date_from="2023-01-01", date_to="2024-12-31")}


def exact_top(reference, queries: np.ndarray, mask: np.ndarray | None = None, k: int = 10) -> list[np.ndarray]:
    """The true top k rows of each query by brute force over ``reference`` (an index's stored vectors)."""
    from index.vectors import _top_k

    truth = []
    for query in queries:
        scores = reference.similarities(query)
        if mask is not None:
            scores[~mask] = -np.inf
        top = _top_k(scores, k)
        truth.append(top[np.isfinite(scores[top])])
    return truth


def _recall(index, queries: np.ndarray, mask: np.ndarray | None = None, k: int = 10,
            truth: list[np.ndarray] | None = None) -> float:
    """recall@k of ``index.search`` against exact search (``truth`` when already computed)."""
    truth = truth if truth is not None else exact_top(index, queries, mask, k)
    hits = sum(len(set(index.search(q, k, mask)[0].tolist()) & set(t.tolist())) for q, t in zip(queries, truth))
    return round(hits / max(sum(len(t) for t in truth), 1), 4)


def serve(args: argparse.Namespace) -> None:
    from index.archive import Archive, Filters
    from index.search import search
    from synth import load_base

    headings = [c.section for chunks in load_base(Path(args.base)).chunks for c in chunks if c.section]
    texts = query_texts(headings, args.queries)
    t = time.perf_counter()
    archive = Archive.open(Path(args.store))
    open_s = time.perf_counter() - t
    rss_open = rss_mib()
    t = time.perf_counter()
    embedder = archive.embedder
    embedder_s = time.perf_counter() - t
    qvecs = np.stack([embedder.embed_query(q) for q in texts])
    np.save(args.qvecs, qvecs)
    filters = _filters(archive)
    masks = {name: archive.filter_mask(f) for name, f in filters.items()}
    latency = {"embed_query": timed(embedder.embed_query, texts),
               "hybrid": timed(lambda q: search(archive, q, k=10), texts)}
    for name, f in filters.items():
        latency[f"hybrid_{name}"] = timed(lambda q, f=f: search(archive, q, k=10, filters=f), texts)
    latency["dense"] = timed(lambda q: search(archive, q, k=10, method="dense"), texts)
    latency["bm25"] = timed(lambda q: search(archive, q, k=10, method="bm25"), texts)
    latency["lexical_scores_only"] = timed(
        lambda q: archive.lexical.search(archive.analyzer.query_tokens(q), 100), texts)
    latency["vector_only"] = timed(lambda v: archive.vectors.search(v, 100), list(qvecs))
    for name, mask in masks.items():
        latency[f"vector_only_{name}"] = timed(lambda v, m=mask: archive.vectors.search(v, 100, m), list(qvecs))
        latency[f"filter_mask_{name}"] = timed(lambda _, f=filters[name]: archive.filter_mask(f), texts[:20], 1)
    rng = np.random.default_rng(1)
    sources = rng.choice(archive.size, min(100, archive.size), replace=False)
    doc_ids = [d["doc_id"] for d in archive.documents]

    def similar_vector(row: int) -> None:  # the core of similar discussions: a stored vector, own document out
        mask = archive.filter_mask(Filters(exclude_doc_ids=frozenset({doc_ids[archive.row_doc[row]]})))
        archive.vectors.search(archive.vectors.row_vectors(np.array([row]))[0], 100, mask)

    latency["similar_vector_only"] = timed(similar_vector, list(sources))
    rss = {"after_open": rss_open, "peak_after_search": peak_rss_mib()}
    extra = {"similar_discussions": _similar(archive, sources[:40]),
             "similar_to_text": _similar_text(archive, texts[:30]), "people_finder": _people(archive, texts[:30])}
    rss["peak_after_similar_and_people"] = peak_rss_mib()
    if not args.skip_trends:  # last: trends and themes build a term index of every chunk
        extra["trends"] = _trends(archive)
        extra["themes"] = _themes(archive)
        rss["peak_after_trends_and_themes"] = peak_rss_mib()
    stored = archive.vectors.row_vectors(np.sort(sources))
    recall = {"queries": _recall(archive.vectors, qvecs), "stored_vectors": _recall(archive.vectors, stored)}
    for name, mask in masks.items():
        recall[f"queries_{name}"] = _recall(archive.vectors, qvecs, mask)
    _emit({"chunks": archive.size, "documents": len(archive.documents), "vector_index": archive.vectors.kind,
           "open_s": round(open_s, 2), "embedder_load_s": round(embedder_s, 2),
           "serving_peak_rss_mib": rss["peak_after_search"], "rss_mib": rss, "queries": len(texts),
           "filter_share": {n: round(float(m.mean()), 4) for n, m in masks.items()},
           "latency_ms": latency, **extra, "recall_at_10": recall})


def _first_then_timed(fn, items: list, slow_s: float = 60.0) -> dict:
    """Seconds of the first call (it may build caches), then latency of the rest."""
    t = time.perf_counter()
    fn(items[0])
    first_s = time.perf_counter() - t
    rest = items[1:] if first_s < slow_s else items[1:6]
    return {"first_call_s": round(first_s, 2), **timed(fn, rest, passes=1, warmup=0)}


def _similar(archive, rows: np.ndarray) -> dict | str:
    """index.similar.similar_to_chunk (another part of the project), when it exists."""
    if importlib.util.find_spec("index.similar") is None:
        return "index/similar.py does not exist"
    from index.similar import similar_to_chunk

    ids = [c.chunk_id for c in archive.meta.chunks_by_rows([int(r) for r in rows]).values()]
    return {"function": "index.similar.similar_to_chunk(k=10)",
            **_first_then_timed(lambda cid: similar_to_chunk(archive, cid, k=10), ids)}


def _similar_text(archive, texts: list[str]) -> dict:
    """index.similar.similar_to_text: a short pasted text, embedded as a query."""
    from index.similar import similar_to_text

    return {"function": "index.similar.similar_to_text(k=10)",
            **_first_then_timed(lambda q: similar_to_text(archive, q, k=10), texts)}


def _people(archive, texts: list[str]) -> dict | str:
    """index.people.find_people (another part of the project), when it exists."""
    if importlib.util.find_spec("index.people") is None:
        return "index/people.py does not exist"
    from index.people import find_people

    return {"function": "index.people.find_people(k=10)",
            **_first_then_timed(lambda q: find_people(archive, q, k=10), texts)}


TREND_THEMES = ["AI", "nationella prov", "skärmtid i förskolan", "GDPR", "Chromebooks", "elevhälsa",
                "digitalisering", "fusk", "programmering", "läromedel"]


def _trends(archive) -> dict:
    """index.trends.trend by year: the first call builds the term index of every chunk."""
    from index.trends import trend

    return {"function": "index.trends.trend(by=year)", **_first_then_timed(lambda t: trend(archive, t), TREND_THEMES)}


def _themes(archive) -> dict:
    """index.themes.find_themes (k-means over body sections, cached per archive), then theme_trends."""
    from index.themes import find_themes
    from index.trends import theme_trends

    t = time.perf_counter()
    model = find_themes(archive)
    first_s = time.perf_counter() - t
    return {"function": "index.themes.find_themes, then index.trends.theme_trends(by=year)",
            "find_themes_first_call_s": round(first_s, 2), "themes": len(model.themes),
            "theme_trends": timed(lambda _: theme_trends(archive, model), [0, 1, 2], passes=1, warmup=0)}


def first(args: argparse.Namespace) -> None:
    t0 = time.perf_counter()
    from index.archive import Archive
    from index.search import search

    t1 = time.perf_counter()
    archive = Archive.open(Path(args.store))
    t2 = time.perf_counter()
    result = search(archive, "AI i undervisningen", k=10)
    t3 = time.perf_counter()
    _emit({"imports_s": round(t1 - STARTED, 2), "open_s": round(t2 - t1, 2),
           "first_search_s_incl_model_load": round(t3 - t2, 2), "in_process_s": round(t3 - STARTED, 2),
           "module_imports_before_main_s": round(t0 - STARTED, 2), "hits": len(result.hits)})


def kinds(args: argparse.Namespace) -> None:
    import index.vectors as vm
    from index.archive import Archive
    from index.vectors import VectorIndex

    archive = Archive.open(Path(args.store))
    qvecs = np.load(args.qvecs)
    masks = {n: archive.filter_mask(f) for n, f in _filters(archive).items() if n in ("network_large", "date_2y")}
    data = np.asarray(archive.vectors.vectors, dtype=np.float32)
    reference = VectorIndex(None, data, "flat")
    truth = {None: exact_top(reference, qvecs)}
    truth.update({name: exact_top(reference, qvecs, mask) for name, mask in masks.items()})
    results = {}
    for kind in vm.KINDS:
        if kind == "hnsw" and len(data) > args.hnsw_max:
            results[kind] = f"not built above {args.hnsw_max} vectors (build time)"
            continue
        t = time.perf_counter()
        index = archive.vectors if kind == archive.vectors.kind else VectorIndex.build(data, kind)
        build_s = None if kind == archive.vectors.kind else round(time.perf_counter() - t, 1)
        with tempfile.TemporaryDirectory() as tmp:
            index.save(Path(tmp))
            size = disk_bytes(Path(tmp))
        entry = {"build_s": build_s if build_s is not None else "see build", "disk_bytes": size,
                 "latency_ms": timed(lambda v: index.search(v, 100), list(qvecs)),
                 "recall_at_10": _recall(index, qvecs, truth=truth[None])}
        for name, mask in masks.items():
            entry[f"latency_ms_{name}"] = timed(lambda v, m=mask: index.search(v, 100, m), list(qvecs))
            entry[f"recall_at_10_{name}"] = _recall(index, qvecs, mask, truth=truth[name])
        if kind == "ivf_sq8":
            entry["nlist"] = int(index._index.nlist)
            entry["nprobe"] = vm.ivf_probes(index._index.nlist)
            entry["probe_sweep"] = _probe_sweep(index, qvecs, truth[None])
        results[kind] = entry
        print(json.dumps({kind: entry}), file=sys.stderr)
    if len(data) <= args.hard_max:
        results["ivf_sq8_hard_noise_2.0"] = _hard(args)
    _emit({"chunks": len(data), "kinds": results})


def _probe_sweep(index, qvecs: np.ndarray, truth: list[np.ndarray]) -> list[dict]:
    import index.vectors as vm

    original = vm.ivf_probes
    sweep = []
    try:
        for probes in (8, 16, 32, 64, 128, 256):
            if probes > index._index.nlist:
                break
            vm.ivf_probes = lambda nlist, p=probes: p
            sweep.append({"nprobe": probes, "recall_at_10": _recall(index, qvecs, truth=truth),
                          "p50_ms": timed(lambda v: index.search(v, 100), list(qvecs), passes=1)["p50"]})
    finally:
        vm.ivf_probes = original
    return sweep


def _hard(args: argparse.Namespace) -> dict:
    """ivf_sq8 recall on vectors with twice the noise (cosine ~0.80 to their source): a harder set."""
    from index.vectors import VectorIndex
    from synth import generate, load_base

    base = load_base(Path(args.base))
    data = generate(base, args.size, seed=5, noise=2.0).vectors
    index = VectorIndex.build(data, "ivf_sq8")
    return {"chunks": len(data), "recall_at_10": _recall(index, np.load(args.qvecs))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("task", choices=["build", "serve", "first", "kinds"])
    parser.add_argument("--base")
    parser.add_argument("--store", required=True)
    parser.add_argument("--size", type=int, default=0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--noise", type=float, default=0.9)
    parser.add_argument("--kind", default=None)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--qvecs", help="query vectors: written by serve, read by kinds")
    parser.add_argument("--hnsw-max", type=int, default=100_000)
    parser.add_argument("--hard-max", type=int, default=100_000)
    parser.add_argument("--skip-trends", action="store_true", help="serve: leave out trends and themes")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    {"build": build, "serve": serve, "first": first, "kinds": kinds}[args.task](args)


if __name__ == "__main__":
    main()
