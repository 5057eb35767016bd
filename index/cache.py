"""A persistent cache of passage vectors by embedder and text hash, so no text is embedded twice."""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np


def text_hash(text: str) -> str:
    """The cache key of an embedded text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """Vectors keyed by (embedder name, SHA-256 of the embedded text), in SQLite.

    A moved or renamed file, or a re-ingest after a crash, finds its vectors here.
    """

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._con = self._open(path)
        except sqlite3.DatabaseError:
            # A damaged cache only costs re-embedding: set it aside and start a new one.
            path.replace(path.with_name(f"{path.name}.damaged-{int(time.time())}"))
            for suffix in ("-wal", "-shm"):
                path.with_name(path.name + suffix).unlink(missing_ok=True)
            self._con = self._open(path)

    @staticmethod
    def _open(path: Path) -> sqlite3.Connection:
        # WAL: a writer killed mid-transaction leaves the committed batches intact and the
        # open one rolled back when the cache is next opened.
        con = sqlite3.connect(path, timeout=30)
        try:
            con.execute("PRAGMA journal_mode=WAL")
            con.execute(
                "CREATE TABLE IF NOT EXISTS vectors (embedder TEXT NOT NULL, text_hash TEXT NOT NULL, "
                "dim INTEGER NOT NULL, vector BLOB NOT NULL, PRIMARY KEY (embedder, text_hash))")
            con.commit()
        except sqlite3.DatabaseError:
            con.close()
            raise
        return con

    def close(self) -> None:
        self._con.close()

    def get_many(self, embedder: str, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        """Cached vectors for the given hashes (missing ones are absent from the result)."""
        found: dict[str, np.ndarray] = {}
        unique = list(dict.fromkeys(hashes))
        for start in range(0, len(unique), 500):
            part = unique[start:start + 500]
            marks = ",".join("?" * len(part))
            for key, dim, blob in self._con.execute(
                    f"SELECT text_hash, dim, vector FROM vectors WHERE embedder = ? AND text_hash IN ({marks})",
                    [embedder, *part]):
                found[key] = np.frombuffer(blob, dtype=np.float32, count=dim)
        return found

    def put_many(self, embedder: str, hashes: Sequence[str], vectors: np.ndarray) -> None:
        """Store vectors in one transaction."""
        with self._con:
            self._con.executemany(
                "INSERT OR REPLACE INTO vectors VALUES (?,?,?,?)",
                [(embedder, h, int(v.shape[0]), np.asarray(v, dtype=np.float32).tobytes())
                 for h, v in zip(hashes, vectors)])
