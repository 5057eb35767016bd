"""Build search filters from user input: loose dates, networks, types, people, organisations, phrases."""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import replace

import numpy as np

from index.archive import Archive, Filters
from index.lexical import intersect_rows
from index.query import QueryUnderstanding, fold_phrase
from ingest.errors import ConfigError

def normalise_date(value: str | None, end: bool) -> str | None:
    """Expand "2024", "2024-03" or "2024-03-05" to an inclusive ISO bound.

    Raises:
        ConfigError: for anything else, naming the value and the accepted forms.
    """
    if value is None or not str(value).strip():
        return None
    value = str(value).strip()
    if re.fullmatch(r"\d{4}", value):
        return f"{value}-12-31" if end else f"{value}-01-01"
    match = re.fullmatch(r"(\d{4})-(\d{1,2})", value)
    if match and 1 <= int(match.group(2)) <= 12:
        year, month = int(match.group(1)), int(match.group(2))
        day = calendar.monthrange(year, month)[1] if end else 1
        return f"{year:04d}-{month:02d}-{day:02d}"
    match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", value)
    if match:
        year, month, day = (int(g) for g in match.groups())
        try:
            calendar.weekday(year, month, day)
        except ValueError:
            pass
        else:
            return f"{year:04d}-{month:02d}-{day:02d}"
    raise ConfigError(f"date {value!r} is not understood; use YYYY, YYYY-MM or YYYY-MM-DD")


def fold(text: str) -> str:
    """Lower-case without diacritics, for forgiving name matching ("Welén" -> "welen")."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).strip()


def edit_distance(a: str, b: str, limit: int = 3) -> int:
    """Optimal-string-alignment distance (insert, delete, replace, swap neighbours), capped at ``limit + 1``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        row = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                row[j] = min(row[j], prev2[j - 2] + 1)
        prev2, prev = prev, row
    return min(prev[-1], limit + 1)


def typos_allowed(word: str) -> int:
    """Typos forgiven in a typed word: none below 5 letters ("Lund" is not "Lind"), then one per 5 letters."""
    return 0 if len(word) < 5 else len(word) // 5


def name_matches(query: str, name: str) -> bool:
    """Whether a typed name matches a stored one despite missing diacritics and small typos.

    Every word of the query must match a word of the name: the same word, a prefix of 3+
    letters, or a word within ``typos_allowed`` edits (one per 5 letters). So "Welen" finds
    "Helena Welén", "helena welin" does too, "Holm" finds "Holmgren" as a prefix, but
    "Sjöberg" does not find "Öberg".
    """
    q_words = fold(query).split()
    n_words = fold(name).split()
    if not q_words:
        return False

    def word_ok(q: str) -> bool:
        allowed = typos_allowed(q)
        return any(q == n or (len(q) >= 3 and n.startswith(q))
                   or (allowed and edit_distance(q, n, allowed) <= allowed) for n in n_words)

    return all(word_ok(q) for q in q_words)


def docs_with_person(archive: Archive, person: str) -> frozenset[str]:
    """Ids of documents that name a matching person in any role ("Welen" finds "Helena Welén")."""
    # Each distinct name is tested once; at 1M chunks a scan of every people row took 3.9 s.
    names = [n for n in archive.meta.people_names() if name_matches(person, n)]
    return frozenset(archive.meta.documents_naming("name", names))


def org_matches(query: str, organisation: str) -> bool:
    """Whether a typed organisation names a stored (canonical) one.

    Accepts words of the name without diacritics ("Molndal" in "Mölndals stad", but "ale" is
    not in "Kungälvs kommun"), any form the gazetteer knows for it ("Kungälv", "SKR", "MDU")
    and one-letter typos of longer names ("Kungsbaka"), the way the gazetteer resolves them.
    """
    folded, target = fold(query), fold(organisation)
    if not folded:
        return False
    if re.search(r"(?<!\w)" + re.escape(folded), target) or name_matches(query, organisation):
        return True
    canonical = _canonical_org(query)
    return canonical is not None and fold(canonical) == target


def _canonical_org(text: str) -> str | None:
    from ingest.gazetteer import default_gazetteer

    org = default_gazetteer().lookup(text.strip())
    return org.name if org is not None else None


def docs_with_org(archive: Archive, org: str) -> frozenset[str]:
    """Ids of documents that name a matching organisation (in people's affiliations)."""
    wanted = [name for name in archive.meta.people_organisations() if name and org_matches(org, name)]
    return frozenset(archive.meta.documents_naming("organisation", wanted))


def make_filters(archive: Archive, date_from: str | None = None, date_to: str | None = None,
                 networks: Iterable[str] = (), doc_types: Iterable[str] = (), person: str | None = None,
                 org: str | None = None, exclude_doc_ids: Iterable[str] = ()) -> Filters:
    """Filters from loose user input, resolving people and organisations to documents."""
    doc_ids: frozenset[str] | None = None
    if person:
        doc_ids = docs_with_person(archive, person)
    if org:
        found = docs_with_org(archive, org)
        doc_ids = found if doc_ids is None else doc_ids & found
    start, end = normalise_date(date_from, end=False), normalise_date(date_to, end=True)
    if start and end and start > end:
        raise ConfigError(f"the date range {start} .. {end} is empty; --from must not be after --to")
    return Filters(start, end, tuple(networks), tuple(doc_types), doc_ids, frozenset(exclude_doc_ids))


def with_query_dates(filters: Filters | None, understood: QueryUnderstanding | None) -> Filters | None:
    """The filters narrowed to the dates a query names ("AI 2024"): the two ranges intersected."""
    if understood is None or not understood.has_dates:
        return filters
    base = filters or Filters()
    starts = [d for d in (base.date_from, understood.date_from) if d]
    ends = [d for d in (base.date_to, understood.date_to) if d]
    return replace(base, date_from=max(starts) if starts else None, date_to=min(ends) if ends else None)


def phrase_mask(archive: Archive, phrases: Sequence[str]) -> np.ndarray | None:
    """Boolean mask over chunk rows: True where the chunk's heading or text holds every phrase.

    Case and runs of whitespace are ignored ("Nationella  prov" holds "nationella prov"), a
    phrase must start at a word and may end inside one; None when there are no phrases.

    Only candidate rows are read: rows whose BM25 postings hold the words of the phrase
    (see :func:`phrase_candidates`); a phrase with no word to narrow by reads every row, in
    blocks. Nothing is kept in memory between queries.
    """
    if not phrases:
        return None
    # A phrase starts at a word ("AI" is not in "mail") but may end inside one ("nationella proven").
    wanted = [re.compile(r"(?<!\w)" + re.escape(fold_phrase(p))) for p in phrases]
    narrowing = [rows for rows in (phrase_candidates(archive, p) for p in phrases) if rows is not None]
    candidates = intersect_rows(narrowing) if narrowing else np.arange(archive.size, dtype=np.int64)
    mask = np.zeros(archive.size, dtype=bool)
    for start in range(0, len(candidates), PHRASE_BLOCK):
        part = candidates[start:start + PHRASE_BLOCK].tolist()
        texts = archive.meta.headed_texts(part)
        mask[part] = [all(p.search(fold_phrase(texts[r])) for p in wanted) for r in part]
    return mask


#: Chunk texts read from the metadata store at a time when a phrase is checked.
PHRASE_BLOCK = 20_000


def phrase_candidates(archive: Archive, phrase: str) -> np.ndarray | None:
    """Rows that may hold a phrase, from the BM25 posting lists (a superset), or None: all rows.

    Every word but the last stands whole in a matching text, so its row holds the word's
    own analysed stem. The last word may end inside a longer word ("prov" in "proven"),
    whose stem still begins with the same letters (Snowball keeps at least three), so any
    token starting with them will do. Stop words and one-letter words leave no token and
    are not used. (A word found only in the part of a very long heading that chunking cut
    from the indexed text is not in the postings; on corpus/ no phrase of 15,244 sampled
    answered differently from a full scan.)
    """
    analyzer, lexical = archive.analyzer, archive.lexical
    words = fold_phrase(phrase).split(" ")
    sets: list[np.ndarray] = []
    for word in words[:-1]:
        tokens = analyzer.tokens(word)
        if tokens:
            sets.append(lexical.rows_of(tokens[0]))
    last = words[-1]
    lead = re.match(r"[^\W_]+", last)
    if (lead and lead.start() == 0 and len(lead.group(0)) >= 2
            and not any(w.startswith(lead.group(0)) for w in analyzer.stopwords)):
        prefix = lead.group(0)[:3]
        token_rows = [lexical.rows_of(t) for t in lexical.tokens_with_prefix(prefix)]
        sets.append(np.unique(np.concatenate(token_rows)) if token_rows else np.zeros(0, dtype=np.int64))
    return intersect_rows(sets) if sets else None


def search_mask(archive: Archive, filters: Filters | None, phrases: Sequence[str] = ()) -> np.ndarray | None:
    """The rows a search may rank: the filters' mask and the phrase mask combined (None: all rows)."""
    mask = archive.filter_mask(filters)
    by_phrase = phrase_mask(archive, phrases)
    if by_phrase is None:
        return mask
    return by_phrase if mask is None else mask & by_phrase
