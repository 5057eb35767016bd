"""Performance and scale benchmark of the archive: one command, every figure, JSON and a table.

Usage:
    python benchmarks/run.py --sizes 10000,100000 [--with-1m] [--skip-ingest] [--keep] [--reuse]
                             [--skip-kinds] [--skip-trends]
    python benchmarks/run.py --summarise      (the table of the last runs' JSON, nothing measured)

Steps, each in its own process (so peak memory is per step):
1. ingest (unless --skip-ingest): corpus/ end to end with e5 into a fresh store, stage by
   stage (parse, metadata, chunk, embed, index); the bare embedder on a sample of the same
   chunks; parsing beside embedding (overlap); query-embedding latency with the default
   OpenMP wait policy and with OMP_WAIT_POLICY=PASSIVE; re-ingest of an unchanged corpus of
   1,000 small generated documents (hash embedder).
2. per size: a synthetic archive built from the e5 store of step 1 (benchmarks/synth.py:
   real e5 vectors plus noise, varied dates, networks and people), written as an index
   generation (build); opened and queried (serve: hybrid with and without filters,
   similar discussions, recall@10 of the vector index against exact search, peak memory);
   opened and searched once in a fresh process (first result); vector index kinds side by
   side (kinds).
3. benchmarks/out/*.json and a Markdown summary (benchmarks/out/summary.md).

Timing never fails a test: this prints figures and checks them against the issue's targets.
Children run with OMP_WAIT_POLICY=PASSIVE unless --omp-default (see RESULTS.md for why).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from measure import HERE, ROOT, machine, write_json

OUT = HERE / "out"
TARGETS = {"p95_hybrid_ms": {100_000: 50, 1_000_000: 150}, "filter_ratio": 2.0, "recall": 0.95,
           "serving_rss_mib_1m": 2048, "first_result_s_100k": 3.0, "reingest_unchanged_s": 5.0}


def child(script: str, *args: str, env: dict | None = None, unset: tuple[str, ...] = ()) -> dict:
    """Run a benchmark step in a fresh interpreter; its last stdout line is JSON."""
    started = time.perf_counter()
    environment = {k: v for k, v in {**os.environ, **(env or {})}.items() if k not in unset}
    proc = subprocess.run([sys.executable, str(HERE / script), *args], cwd=ROOT, text=True,
                          stdout=subprocess.PIPE, env=environment)
    if proc.returncode != 0:
        raise SystemExit(f"{script} {' '.join(args)} failed with exit code {proc.returncode}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["process_wall_s"] = round(time.perf_counter() - started, 2)
    return result


def ingest_phase(work: Path, env: dict) -> dict:
    store = work / "e5-store"
    print("ingest: corpus/ with e5, end to end ...", flush=True)
    results = {"ingest": child("ingest_profile.py", "ingest", "--store", str(store), env=env)}
    print("ingest: parsing beside embedding ...", flush=True)
    results["overlap"] = child("ingest_profile.py", "overlap", "--sample", "160", env=env)
    print("ingest: query embedding, default OpenMP wait policy and PASSIVE ...", flush=True)
    results["embed_query"] = [child("ingest_profile.py", "embed-query", unset=("OMP_WAIT_POLICY",)),
                              child("ingest_profile.py", "embed-query", env={"OMP_WAIT_POLICY": "PASSIVE"})]
    print("ingest: re-ingest of 1,000 unchanged documents (hash embedder) ...", flush=True)
    results["incremental"] = child("ingest_profile.py", "incremental", "--base", str(store), "--work", str(work),
                                   env=env)
    for name, data in results.items():
        write_json(OUT / f"{name}.json", {"machine": machine(), "result": data})
    return results


def size_phase(size: int, base: Path, work: Path, args: argparse.Namespace, env: dict) -> dict:
    store = work / f"store-{size}"
    qvecs = work / f"queries-{size}.npy"
    earlier = OUT / f"scale-{size}.json"
    if args.reuse and (store / "CURRENT").exists() and earlier.exists():
        print(f"{size}: reusing the kept store and its build figures", flush=True)
        result = {"build": {**json.loads(earlier.read_text())["result"]["build"], "reused": True}}
    else:
        shutil.rmtree(store, ignore_errors=True)
        print(f"{size}: build ...", flush=True)
        result = {"build": child("scale.py", "build", "--base", str(base), "--store", str(store), "--size", str(size),
                                 "--noise", str(args.noise), env=env)}
    print(f"{size}: serve ...", flush=True)
    result["serve"] = child("scale.py", "serve", "--base", str(base), "--store", str(store), "--qvecs", str(qvecs),
                            "--queries", str(args.queries), *(["--skip-trends"] if args.skip_trends else []), env=env)
    print(f"{size}: first result in a fresh process ...", flush=True)
    result["first"] = child("scale.py", "first", "--store", str(store), env=env)
    if args.skip_kinds and earlier.exists():
        print(f"{size}: vector index kinds left out; keeping the earlier run's", flush=True)
        result["kinds"] = {**json.loads(earlier.read_text())["result"]["kinds"], "reused": True}
    else:
        print(f"{size}: vector index kinds ...", flush=True)
        result["kinds"] = child("scale.py", "kinds", "--base", str(base), "--store", str(store), "--size", str(size),
                                "--qvecs", str(qvecs), "--hnsw-max", str(args.hnsw_max),
                                "--hard-max", str(args.hard_max), env=env)
    write_json(OUT / f"scale-{size}.json", {"machine": machine(), "size": size, "result": result})
    if not args.keep:
        shutil.rmtree(store, ignore_errors=True)
    return result


def _p95(entry) -> str:
    return f"{entry['p95']:.0f}" if isinstance(entry, dict) else "-"


def summary(sizes: dict[int, dict], ingest: dict | None) -> str:
    """A Markdown table of the headline figures, with the targets they answer."""
    lines = ["| chunks | index | build s | disk MiB | open s | hybrid p50/p95/p99 ms (CPU ms per query; load) | worst filtered p95 (ratio) "
             "| similar_to_chunk p95 ms | recall@10 (min) | serving peak RSS MiB | first result s |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    checks = []
    for size, r in sizes.items():
        lat = r["serve"]["latency_ms"]
        hybrid = lat["hybrid"]
        filtered = {k: v["p95"] for k, v in lat.items() if k.startswith("hybrid_") and isinstance(v, dict)}
        worst = max(filtered, key=filtered.get)
        ratio = filtered[worst] / hybrid["p95"]
        recall = min(v for v in r["serve"]["recall_at_10"].values())
        rss = r["serve"]["serving_peak_rss_mib"]
        first = r["first"]["process_wall_s"]
        lines.append(f"| {size:,} | {r['serve']['vector_index']} | {r['build']['seconds']['total']:.0f} "
                     f"| {r['build']['disk_bytes']['total'] / 1048576:.0f} | {r['serve']['open_s']} "
                     f"| {hybrid['p50']:.0f} / {hybrid['p95']:.0f} / {hybrid['p99']:.0f} ({hybrid['cpu_ms_mean']:.0f}; {hybrid['load']}) "
                     f"| {filtered[worst]:.0f} ({ratio:.2f}x, {worst}) | {_p95(r['serve'].get('similar_discussions'))} "
                     f"| {recall:.3f} | {rss:.0f} | {first:.1f} |")
        if size in TARGETS["p95_hybrid_ms"]:
            target = TARGETS["p95_hybrid_ms"][size]
            checks.append(f"p95 hybrid at {size:,}: {hybrid['p95']:.0f} ms (target {target}): "
                          f"{'met' if hybrid['p95'] <= target else 'NOT met'}")
        checks.append(f"filters at {size:,}: worst p95 ratio {ratio:.2f} (target 2.0): {'met' if ratio <= 2 else 'NOT met'}")
        checks.append(f"recall@10 at {size:,}: {recall:.3f} (target 0.95): {'met' if recall >= 0.95 else 'NOT met'}")
        if size >= 1_000_000:
            checks.append(f"serving peak RSS at {size:,}: {rss:.0f} MiB (target 2048): {'met' if rss <= 2048 else 'NOT met'}")
            both = r["serve"]["rss_mib"].get("peak_after_similar_and_people")
            if both:
                checks.append(f"peak RSS with similar discussions and people at {size:,}: {both:.0f} MiB "
                              f"(target 2048): {'met' if both <= 2048 else 'NOT met'}")
            for name in ("similar_discussions", "similar_to_text", "people_finder"):
                entry = r["serve"].get(name)
                if isinstance(entry, dict):
                    checks.append(f"{name} at {size:,}: first call {entry['first_call_s']} s, p95 {entry['p95']:.0f} ms "
                                  f"(target 150): {'met' if entry['p95'] <= 150 else 'NOT met'}")
        if size == 100_000:
            checks.append(f"first result at 100,000: {first:.1f} s (target 3): {'met' if first <= 3 else 'NOT met'}")
    if ingest:
        unchanged = ingest["incremental"]["runs"][1]["seconds"]
        checks.append(f"re-ingest of 1,000 unchanged documents: {unchanged:.2f} s (target 5): "
                      f"{'met' if unchanged < 5 else 'NOT met'}")
        whole = ingest.get("ingest")
        if whole:
            share = whole["end_to_end_chunks_per_s"] / whole["bare_embedder"]["chunks_per_s"]
            checks.append(f"ingest end to end: {share:.0%} of the bare embedder (target 90%): "
                          f"{'met' if share >= 0.9 else 'NOT met'}")
    return "\n".join(lines + [""] + feature_table(sizes) + ingest_lines(ingest) + [""]
                     + [f"- {c}" for c in checks]) + "\n"


#: The features timed beside search, by their key in the serve step's JSON.
FEATURES = {"similar_discussions": "similar from a section", "similar_to_text": "similar from pasted text",
            "people_finder": "people finder", "trends": "trend of a theme"}


def feature_table(sizes: dict[int, dict]) -> list[str]:
    """Latency of similar discussions, people and trends per size: first call, p50 / p95 / p99."""
    lines = ["", "| chunks | " + " | ".join(f"{label}: first s, p50 / p95 / p99 ms" for label in FEATURES.values())
             + " | automatic themes: first s |", "|---|" + "---|" * (len(FEATURES) + 1)]
    for size, r in sizes.items():
        cells = []
        for key in FEATURES:
            entry = r["serve"].get(key)
            cells.append(f"{entry['first_call_s']}, {entry['p50']:.0f} / {entry['p95']:.0f} / {entry['p99']:.0f}"
                         if isinstance(entry, dict) and "p50" in entry else "-")
        themes = r["serve"].get("themes")
        cells.append(str(themes.get("find_themes_first_call_s", "-")) if isinstance(themes, dict) else "-")
        lines.append(f"| {size:,} | " + " | ".join(cells) + " |")
    return lines


def ingest_lines(ingest: dict | None) -> list[str]:
    """Ingest throughput of corpus/ end to end against the bare embedder, and where the time goes."""
    whole = (ingest or {}).get("ingest")
    if not whole:
        return []
    timings = ", ".join(f"{k} {v} s" for k, v in whole["ingest_timings_s"].items())
    bare = whole["bare_embedder"]
    return ["", f"Ingest of corpus/ ({whole['chunks']} chunks): {whole['end_to_end_chunks_per_s']} chunks/s end to end "
                f"({whole['end_to_end_s']} s: {timings}); bare embedder {bare['chunks_per_s']} chunks/s on the same texts."]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated chunk counts")
    parser.add_argument("--with-1m", action="store_true", help="also 1,000,000 chunks (about 25 minutes here; 6.2 GiB while building)")
    parser.add_argument("--skip-ingest", action="store_true", help="reuse the e5 store of an earlier run")
    parser.add_argument("--work", default=str(OUT / "work"), help="where stores are written")
    parser.add_argument("--keep", action="store_true", help="keep the synthetic stores")
    parser.add_argument("--reuse", action="store_true",
                        help="measure kept stores again (after --keep) instead of building them")
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--noise", type=float, default=0.9)
    parser.add_argument("--hnsw-max", type=int, default=100_000)
    parser.add_argument("--hard-max", type=int, default=100_000)
    parser.add_argument("--skip-kinds", action="store_true",
                        help="do not measure the vector index kinds again; keep the earlier run's figures")
    parser.add_argument("--skip-trends", action="store_true", help="do not time trends and themes")
    parser.add_argument("--omp-default", action="store_true", help="leave OpenMP's wait policy at its default")
    parser.add_argument("--summarise", action="store_true",
                        help="measure nothing; print the table of the JSON files already in benchmarks/out")
    args = parser.parse_args()
    if args.summarise:
        found = {int(p.stem.split("-")[1]): json.loads(p.read_text())["result"] for p in OUT.glob("scale-*.json")
                 if p.stem.split("-")[1].isdigit() and p.stem.count("-") == 1}
        ingest = {name: json.loads((OUT / f"{name}.json").read_text())["result"]
                  for name in ("incremental", "ingest") if (OUT / f"{name}.json").exists()} or None
        table = summary(dict(sorted(found.items())), ingest)
        (OUT / "summary.md").write_text(table, encoding="utf-8")
        print(table)
        return
    env = {} if args.omp_default else {"OMP_WAIT_POLICY": "PASSIVE"}
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    ingest = None if args.skip_ingest else ingest_phase(work, env)
    base = work / "e5-store"
    if not (base / "CURRENT").exists():
        base = ROOT / "data" / "index"
        print(f"no e5 store from an ingest run in {work}; using {base} as the base", flush=True)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()] + ([1_000_000] if args.with_1m else [])
    results = {size: size_phase(size, base, work, args, env) for size in sizes}
    table = summary(results, ingest)
    (OUT / "summary.md").write_text(f"Machine: {json.dumps(machine())}\n\n{table}", encoding="utf-8")
    print(table)


if __name__ == "__main__":
    main()
