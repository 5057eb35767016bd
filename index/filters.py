"""Build search filters from user input: loose dates, networks, types, people and organisations."""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Iterable
from difflib import SequenceMatcher

from index.archive import Archive, Filters
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


def name_matches(query: str, name: str) -> bool:
    """Whether a typed name matches a stored one despite missing diacritics and small typos.

    Every word of the query must match a word of the name (a prefix of 3+ letters counts,
    and one typo per 5 letters is forgiven), so "Welen" finds "Helena Welén" and
    "helena welen" does too, but "Holm" does not find "Holmgren" unless typed as a prefix.
    """
    q_words = fold(query).split()
    n_words = fold(name).split()
    if not q_words:
        return False

    def word_ok(q: str) -> bool:
        for n in n_words:
            if q == n or (len(q) >= 3 and n.startswith(q)):
                return True
            if len(q) >= 4 and SequenceMatcher(None, q, n).ratio() >= 1 - 1 / max(5, len(n)) - 0.05:
                return True
        return False

    return all(word_ok(q) for q in q_words)


def docs_with_person(archive: Archive, person: str) -> frozenset[str]:
    """Ids of documents that name a matching person in any role."""
    return frozenset(r["doc_id"] for r in archive.meta.all_people() if name_matches(person, r["name"]))


def docs_with_org(archive: Archive, org: str) -> frozenset[str]:
    """Ids of documents that name a matching organisation (in people's affiliations)."""
    return frozenset(r["doc_id"] for r in archive.meta.all_people()
                     if r["organisation"] and (fold(org) in fold(r["organisation"]) or
                                               name_matches(org, r["organisation"])))


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
