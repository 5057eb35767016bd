"""Small measuring helpers shared by the benchmark scripts: percentiles, peak memory, load."""

from __future__ import annotations

import json
import os
import platform
import re
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
QUERIES = HERE / "queries.txt"


def percentiles(values_ms: list[float]) -> dict[str, float]:
    """p50/p95/p99/max of latencies in milliseconds, rounded to 0.01 ms."""
    if not values_ms:
        return {}
    arr = np.asarray(values_ms)
    return {"n": len(values_ms), "p50": round(float(np.percentile(arr, 50)), 2),
            "p95": round(float(np.percentile(arr, 95)), 2), "p99": round(float(np.percentile(arr, 99)), 2),
            "max": round(float(arr.max()), 2)}


def timed(fn: Callable[[object], object], items: list, passes: int = 2, warmup: int = 3) -> dict[str, float]:
    """Latency percentiles of ``fn(item)`` over ``passes`` passes of ``items`` (after a warm-up).

    Wall-clock percentiles, the mean CPU time per call and the load average while measuring:
    on a shared machine the wall times include waiting for other processes.
    """
    for item in items[:warmup]:
        fn(item)
    load = os.getloadavg()[0]
    values = []
    cpu = time.process_time()
    for _ in range(passes):
        for item in items:
            t = time.perf_counter()
            fn(item)
            values.append((time.perf_counter() - t) * 1000)
    result = percentiles(values)
    # CPU time of all threads per call: what a machine with no other work would mostly see.
    result["cpu_ms_mean"] = round((time.process_time() - cpu) * 1000 / max(len(values), 1), 2)
    result["load"] = round((load + os.getloadavg()[0]) / 2, 1)
    return result


def peak_rss_mib() -> float:
    """Peak resident memory of this process (VmHWM), MiB."""
    text = Path("/proc/self/status").read_text()
    match = re.search(r"VmHWM:\s+(\d+) kB", text)
    if match:
        return round(int(match.group(1)) / 1024, 1)
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def rss_mib() -> float:
    """Current resident memory (VmRSS), MiB."""
    match = re.search(r"VmRSS:\s+(\d+) kB", Path("/proc/self/status").read_text())
    return round(int(match.group(1)) / 1024, 1) if match else 0.0


def machine() -> dict:
    """What the figures were measured on, and how busy it was."""
    cpu = "cpu"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(int(mem) / 1048576, 1),
            "python": platform.python_version(), "platform": platform.platform(),
            "load_avg_1_5_15": [round(x, 2) for x in os.getloadavg()]}


def disk_bytes(path: Path) -> dict[str, int]:
    """Bytes on disk of an index generation, by component."""
    parts = {"vectors.npy": 0, "vectors.faiss": 0, "lexical": 0, "meta.sqlite": 0, "other": 0}
    for file in path.rglob("*"):
        if file.is_file():
            rel = file.relative_to(path).parts[0]
            parts[rel if rel in parts else "other"] += file.stat().st_size
    parts["total"] = sum(parts.values())
    return parts


def write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")


def query_texts(headings: list[str], count: int = 100, seed: int = 0) -> list[str]:
    """benchmarks/queries.txt plus section headings of the corpus (numbering and names removed)."""
    own = [q.strip() for q in QUERIES.read_text(encoding="utf-8").splitlines() if q.strip()]
    cleaned = []
    for heading in headings:
        text = re.sub(r"^\s*\d+[.)]\s*", "", heading)
        text = re.sub(r"\([^)]*\)", "", text).strip(" -–:")
        if 8 <= len(text) <= 60 and text not in cleaned and text not in own:
            cleaned.append(text)
    rng = np.random.default_rng(seed)
    extra = [cleaned[i] for i in rng.permutation(len(cleaned))[:max(0, count - len(own))]]
    return own + extra
