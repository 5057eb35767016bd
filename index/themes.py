"""What the corpus talks about: its analysed words (TermIndex) and automatic themes (clusters).

The TermIndex holds every chunk's words after Swedish analysis, with positions, document
frequencies and a readable surface form per stem; trends use it for phrase matching,
similar discussions for shared words, and the themes below for their labels.
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter
from dataclasses import dataclass

import numpy as np

from index.archive import Archive, per_archive
from index.hits import make_hit
from index.snippets import make_snippet
from ingest.models import SearchHit

WORD_RE = re.compile(r"[^\W_]+(?:[-:][^\W_]+)*")  # the analyzer's own token pattern


class TermIndex:
    """Analysed words of every chunk with their positions, for phrase matching and term weights.

    Row i is chunk i. Each word of a chunk's heading and text gets one position; the
    analyzer's tokens for it (its stem, then hyphen and compound parts) share that
    position. Built once per opened archive (:func:`term_index`).
    """

    def __init__(self, vocab: dict[str, int], row_start: np.ndarray, tokens: np.ndarray,
                 positions: np.ndarray, heads: np.ndarray, surfaces: list[Counter], body: np.ndarray) -> None:
        self.vocab = vocab
        self.row_start = row_start
        self.tokens = tokens
        self.positions = positions
        self.heads = heads
        self.body = body
        self._surfaces = surfaces
        self._readable: dict[int, str] = {}
        rows = np.repeat(np.arange(len(row_start) - 1, dtype=np.int32), np.diff(row_start))
        order = np.lexsort((positions, rows, tokens))
        self._p_rows, self._p_pos = rows[order], positions[order]
        self._t_start = np.searchsorted(tokens[order], np.arange(len(vocab) + 1))
        pairs = np.unique(tokens.astype(np.int64) * (len(row_start) + 1) + rows)
        self.df = np.bincount(pairs // (len(row_start) + 1), minlength=len(vocab))
        self.n_rows = len(row_start) - 1

    @classmethod
    def build(cls, archive: Archive, rows: np.ndarray | None = None) -> TermIndex:
        """Analyse every chunk of the archive (heading and text; the title is left out).

        With ``rows``, only those chunks, in that order: index row i is ``rows[i]``.
        """
        analyzer = archive.analyzer
        vocab: dict[str, int] = {}
        surfaces: list[Counter] = []
        tokens: list[int] = []
        positions: list[int] = []
        heads: list[bool] = []
        row_start = [0]
        body = []
        analysed: dict[str, list[str]] = {}  # words repeat a lot; analyse each once
        if rows is None:
            chunks = ((c["kind"] == "body", f"{c['section']}\n{c['text']}")
                      for c in archive.meta.query("SELECT section, text, kind FROM chunks ORDER BY row"))
        else:
            texts = archive.meta.headed_texts(rows.tolist())
            chunks = ((bool(archive.row_body[r]), texts[r]) for r in rows.tolist())
        for is_body, text in chunks:
            body.append(is_body)
            for pos, word in enumerate(WORD_RE.findall(text)):
                word_tokens = analysed.get(word)
                if word_tokens is None:
                    word_tokens = analysed[word] = analyzer.tokens(word)
                for i, tok in enumerate(word_tokens):
                    tid = vocab.get(tok)
                    if tid is None:
                        tid = vocab[tok] = len(vocab)
                        surfaces.append(Counter())
                    if i == 0:
                        surfaces[tid][word] += 1
                    tokens.append(tid)
                    positions.append(pos)
                    heads.append(i == 0)
            row_start.append(len(tokens))
        return cls(vocab, np.array(row_start, dtype=np.int64), np.array(tokens, dtype=np.int32),
                   np.array(positions, dtype=np.int32), np.array(heads, dtype=bool), surfaces,
                   np.array(body, dtype=bool))

    def postings(self, token: str) -> tuple[np.ndarray, np.ndarray]:
        """(rows, positions) where an analysed token occurs, sorted by row then position."""
        tid = self.vocab.get(token)
        if tid is None:
            return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32)
        lo, hi = self._t_start[tid], self._t_start[tid + 1]
        return self._p_rows[lo:hi], self._p_pos[lo:hi]

    def row_token_ids(self, row: int, heads_only: bool = False) -> np.ndarray:
        """Token ids of one chunk (with repeats), optionally only words' own stems."""
        lo, hi = self.row_start[row], self.row_start[row + 1]
        ids = self.tokens[lo:hi]
        return ids[self.heads[lo:hi]] if heads_only else ids

    def readable(self, tid: int) -> str:
        """A word a reader recognises for a token: its most frequent surface form.

        Acronyms and names keep their capitals ("AI", "Skolverket"); a word seen in lower
        case at least a fifth of the time is shown in lower case. A token seen only as a
        compound part has no surface form and is shown as its stem.
        """
        if tid in self._readable:
            return self._readable[tid]
        forms = self._surfaces[tid]
        text = readable_form(forms) if forms else self.token(tid)
        self._readable[tid] = text
        return text

    def has_surface(self, tid: int) -> bool:
        """Whether the token is some word's own stem (not only a compound or hyphen part)."""
        return bool(self._surfaces[tid])

    def token(self, tid: int) -> str:
        if not hasattr(self, "_inverse"):
            self._inverse = {v: k for k, v in self.vocab.items()}
        return self._inverse[tid]


def readable_form(forms: Counter) -> str:
    """The surface form a reader recognises among a token's counted forms (at least one).

    The commonest form ignoring case wins (shorter, then alphabetical on a tie); it is
    shown in lower case when written so at least a fifth of the time, else in its commonest
    capitalisation, so acronyms and names keep their capitals ("AI", "Skolverket").
    """
    lowered: Counter = Counter()
    for word, count in forms.items():
        lowered[word.lower()] += count
    best = min(lowered, key=lambda w: (-lowered[w], len(w), w))
    cases = {w: c for w, c in forms.items() if w.lower() == best}
    return best if cases.get(best, 0) * 5 >= sum(cases.values()) else max(cases, key=cases.get)


@per_archive
def term_index(archive: Archive) -> TermIndex:
    """The archive's TermIndex, built on first use and kept as long as the archive lives."""
    return TermIndex.build(archive)


def row_vectors(archive: Archive, rows) -> np.ndarray:
    """The stored vectors of some chunk rows as float32."""
    return archive.vectors.row_vectors(np.asarray(rows, dtype=np.int64))


# --- automatic themes: k-means over the section vectors, labelled by c-TF-IDF -----------------

#: Themes per corpus: about sqrt(sections / 2), within these bounds.
MIN_THEMES, MAX_THEMES = 2, 40
#: k-means is fitted on at most this many sections (a seeded sample); all are then assigned.
FIT_SAMPLE = 20_000
LABEL_WORDS = 4
#: Labels count the words of every row up to this archive size; beyond it, of a seeded
#: sample of LABEL_SAMPLE rows per theme (analysing 1M chunks took 89 s and 6 GiB).
LABEL_ALL_ROWS = 150_000
LABEL_SAMPLE = 2_000


@dataclass
class Theme:
    """A group of sections that talk about the same thing.

    Attributes:
        theme_id: Position in the list of themes (0 is the largest).
        label: Its most distinctive words, comma-separated ("AI, fusk, bedömning").
        words: More distinctive words, best first (readable surface forms).
        rows: The theme's chunk rows, closest to its centre first.
        doc_ids: Documents with a section in the theme, most sections first.
        attendance: True for the one group of attendance lists, which are not clustered.
    """

    theme_id: int
    label: str
    words: list[str]
    rows: list[int]
    doc_ids: list[str]
    attendance: bool = False

    @property
    def size(self) -> int:
        return len(self.rows)

    def to_json(self) -> dict:
        return {"theme_id": self.theme_id, "label": self.label, "words": self.words, "sections": self.size,
                "documents": len(self.doc_ids), "attendance": self.attendance}


@dataclass
class ThemeModel:
    """The corpus's automatic themes; every chunk row is in exactly one.

    Attributes:
        themes: Largest first; the attendance group, if any, last.
        assignment: Theme id of every chunk row.
        k: Number of clusters fitted over the body sections.
    """

    themes: list[Theme]
    assignment: np.ndarray
    k: int

    def mask(self, theme_id: int) -> np.ndarray:
        """Boolean mask over chunk rows: the sections of one theme."""
        return self.assignment == theme_id


def choose_k(sections: int) -> int:
    """Number of themes for a corpus: about sqrt(sections / 2), at least 2, at most 40 (and at
    most the number of sections): 2 for the 5-document mini corpus, 20 for corpus/'s 838 body sections."""
    if sections <= 1:
        return max(sections, 0)
    return int(min(max(round(math.sqrt(sections / 2)), MIN_THEMES), MAX_THEMES, sections))


def spherical_kmeans(vectors: np.ndarray, k: int, seed: int = 0, iterations: int = 30) -> np.ndarray:
    """Unit-length centroids of k clusters by cosine similarity, k-means++ seeded (deterministic)."""
    rng = np.random.default_rng(seed)
    n = len(vectors)
    centroids = np.empty((k, vectors.shape[1]), dtype=np.float32)
    centroids[0] = vectors[rng.integers(n)]
    closest = 1.0 - vectors @ centroids[0]
    for i in range(1, k):
        weights = np.maximum(closest, 0) ** 2
        pick = rng.choice(n, p=weights / weights.sum()) if weights.sum() > 0 else rng.integers(n)
        centroids[i] = vectors[pick]
        closest = np.minimum(closest, 1.0 - vectors @ centroids[i])
    labels = np.full(n, -1)
    for _ in range(iterations):
        new = np.argmax(vectors @ centroids.T, axis=1)
        if (new == labels).all():
            break
        labels = new
        for c in range(k):
            members = vectors[labels == c]
            if len(members) == 0:  # an empty cluster restarts at the worst-served section
                members = vectors[[int(np.argmin(np.max(vectors @ centroids.T, axis=1)))]]
            mean = members.sum(axis=0)
            centroids[c] = mean / max(float(np.linalg.norm(mean)), 1e-12)
    return centroids


def find_themes(archive: Archive, k: int | None = None, seed: int = 0) -> ThemeModel:
    """Cluster the archive's sections into themes with readable labels (cached per archive and k).

    Attendance lists are kept out of the clustering and form one last group of their own.

    Args:
        archive: The opened index.
        k: Number of themes among the body sections; None chooses it from their number.
        seed: Seed of the k-means initialisation.
    """
    key = (k, seed)
    cached = _theme_models(archive)
    with _THEMES_LOCK:
        if key in cached:
            return cached[key]
    model = _fit_themes(archive, k, seed)
    with _THEMES_LOCK:
        cached[key] = model
    return model


_THEMES_LOCK = threading.Lock()


@per_archive
def _theme_models(archive: Archive) -> dict[tuple, ThemeModel]:
    return {}


#: Rows of vectors read at a time when every section is assigned or ordered (float32: 96 MiB at 384 dims).
ASSIGN_BLOCK = 65_536


def _fit_themes(archive: Archive, k: int | None, seed: int) -> ThemeModel:
    n_rows = archive.size
    body = np.flatnonzero(archive.row_body)
    assignment = np.full(n_rows, -1, dtype=np.int64)
    centroids = np.zeros((0, archive.manifest.dim), dtype=np.float32)
    k = choose_k(len(body)) if k is None else max(1, min(int(k), len(body)))
    if len(body):
        rng = np.random.default_rng(seed)
        picked = body if len(body) <= FIT_SAMPLE else body[rng.choice(len(body), FIT_SAMPLE, replace=False)]
        centroids = spherical_kmeans(row_vectors(archive, picked), k, seed)
        for start in range(0, len(body), ASSIGN_BLOCK):  # blockwise: 1M vectors are 1.5 GiB as float32
            part = body[start:start + ASSIGN_BLOCK]
            assignment[part] = np.argmax(row_vectors(archive, part) @ centroids.T, axis=1)
    attendance = np.flatnonzero(~archive.row_body)
    groups = [np.flatnonzero(assignment == c) for c in range(len(centroids))]
    order = sorted((c for c in range(len(groups)) if len(groups[c])), key=lambda c: (-len(groups[c]), c))
    clusters = [groups[c] for c in order] + ([attendance] if len(attendance) else [])
    words = label_words(archive, clusters)
    themes, final = [], np.full(n_rows, -1, dtype=np.int64)
    for theme_id, rows in enumerate(clusters):
        is_attendance = len(attendance) > 0 and theme_id == len(clusters) - 1
        if not is_attendance:
            centre = centroids[order[theme_id]]
            closeness = np.concatenate([row_vectors(archive, rows[i:i + ASSIGN_BLOCK]) @ centre
                                        for i in range(0, len(rows), ASSIGN_BLOCK)])
            rows = rows[np.argsort(-closeness, kind="stable")]
        final[rows] = theme_id
        docs = Counter(archive.row_doc[rows].tolist())  # first seen first among equal counts, as before
        themes.append(Theme(theme_id, ", ".join(words[theme_id][:LABEL_WORDS]) or "(inga ord)",
                            words[theme_id], rows.tolist(), [archive.documents[d]["doc_id"] for d, _ in docs.most_common()],
                            is_attendance))
    return ThemeModel(themes, final, k)


def label_words(archive: Archive, clusters: list[np.ndarray], n: int = 10) -> list[list[str]]:
    """The most distinctive words of each group of rows, by class-based TF-IDF.

    Each group is one document of words (its sections' words' own stems); a word weighs
    tf(word, group) / words(group) * log(1 + average words per group / tf(word, all groups))
    (c-TF-IDF, as in BERTopic). Stop words are gone already (Swedish analysis); numbers,
    one-letter words and the names of people in the archive are left out.
    """
    if archive.size <= LABEL_ALL_ROWS:
        index, scale = term_index(archive), np.ones(len(clusters))
        group_of_row = np.full(index.n_rows, -1, dtype=np.int64)
        for g, rows in enumerate(clusters):
            group_of_row[rows] = g
    else:  # a seeded sample of each theme's rows; its counts are scaled up to the theme's size
        rng = np.random.default_rng(0)
        samples = [rows if len(rows) <= LABEL_SAMPLE else np.sort(rng.choice(rows, LABEL_SAMPLE, replace=False))
                   for rows in clusters]
        picked = np.concatenate(samples).astype(np.int64)
        order = np.argsort(picked, kind="stable")  # archive order, as the full index reads them
        index = TermIndex.build(archive, picked[order])
        group_of_row = np.repeat(np.arange(len(clusters)), [len(r) for r in samples])[order]
        scale = np.array([len(c) / max(len(r), 1) for c, r in zip(clusters, samples)])
    if not clusters or not len(index.tokens):
        return [[] for _ in clusters]
    rows_of_token = np.repeat(np.arange(index.n_rows), np.diff(index.row_start))
    keep = index.heads & (group_of_row[rows_of_token] >= 0)
    vocab = len(index.vocab)
    counts = np.bincount(group_of_row[rows_of_token[keep]] * vocab + index.tokens[keep],
                         minlength=len(clusters) * vocab).reshape(len(clusters), vocab).astype(np.float64)
    counts *= scale[:, None]
    totals = counts.sum(axis=1, keepdims=True)
    overall = counts.sum(axis=0)
    weights = counts / np.maximum(totals, 1) * np.log(1 + totals.mean() / np.maximum(overall, 1))
    weights[:, ~_label_candidates(archive, index)] = 0
    labels = []
    for g in range(len(clusters)):
        chosen: list[str] = []
        for tid in np.argsort(-weights[g], kind="stable"):
            if weights[g, tid] <= 0 or len(chosen) >= n:
                break
            word = index.readable(int(tid))
            if word.lower() not in (c.lower() for c in chosen):
                chosen.append(word)
        labels.append(chosen)
    return labels


def _label_candidates(archive: Archive, index: TermIndex) -> np.ndarray:
    """Tokens that may label a theme: real words, not numbers, not people's names."""
    names = {tok for row in archive.meta.all_people() for part in row["name"].split()
             for tok in archive.analyzer.tokens(part)}
    ok = np.zeros(len(index.vocab), dtype=bool)
    for token, tid in index.vocab.items():
        ok[tid] = (len(token) > 2 and not token.replace("-", "").isdigit() and token not in names
                   and index.has_surface(tid))
    return ok


def section_hits(archive: Archive, rows: list[int], scores: list[float], marked: str = "") -> list[SearchHit]:
    """Chunk rows as search hits (the JSON contract of search), snippets marking ``marked``'s words."""
    chunks = archive.meta.chunks_by_rows(rows)
    hits = []
    for row, score in zip(rows, scores):
        chunk = chunks[row]
        hits.append(make_hit(archive, chunk, score,
                             make_snippet(chunk.text, marked, archive.analyzer) if marked else chunk.text[:320]))
    return hits


def theme_sections(archive: Archive, theme: Theme, rows: list[int] | None = None, limit: int = 50) -> list[SearchHit]:
    """A theme's sections (or the given subset of its rows), closest to its centre first.

    Each hit's score is its rank closeness (1 for the most central); the snippet marks the
    theme's words.
    """
    position = {r: i for i, r in enumerate(theme.rows)}
    chosen = sorted(rows if rows is not None else theme.rows, key=lambda r: position.get(r, len(position)))[:limit]
    scores = [1.0 - position.get(r, len(position)) / max(len(theme.rows), 1) for r in chosen]
    return section_hits(archive, chosen, scores, " ".join(theme.words))
