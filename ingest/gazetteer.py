"""Gazetteer of Swedish organisations for recognising organisation mentions in meeting documents."""

from __future__ import annotations

import csv
import difflib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data" / "gazetteer"

# Municipality names that are also ordinary words, first names or common surnames.
# Rule for find_all(): a bare form of these names ("Mark", genitive "Marks") counts as a
# mention only if it is capitalised AND has place context: it stands alone in
# parentheses ("Anna Andersson (Ale)"), follows "i"/"från"/"inom" ("från Sala"; not for
# the first names in FIRST_NAMES), or is listed next to another accepted municipality,
# separated only by ",", "/", "&", "och", "samt" or "eller" ("Ale, Kungälv och Tjörn").
# Forms with "kommun"/"stad" ("Marks kommun") always count. These names are also
# excluded from the fuzzy fallback of lookup().
AMBIGUOUS_NAMES = frozenset({
    "Ale", "Berg", "Bjuv", "Boden", "Bräcke", "Dorotea", "Eda", "Falkenberg", "Kil", "Kinda",
    "Klippan", "Lund", "Mark", "Mora", "Nora", "Norberg", "Sala", "Salem", "Skara", "Säter",
    "Tranås", "Trosa", "Vara", "Vilhelmina", "Vindeln",
})
FIRST_NAMES = frozenset({"Dorotea", "Eda", "Mark", "Nora", "Salem", "Vilhelmina"})
KINDS = ("municipality", "region", "university", "agency", "association", "regional_body")

_SEP = re.compile(r"[\s\-–]+")
_HEAD_SPLIT = re.compile(r"\s*(?:[,;:()/]|\s[-–]\s)\s*")
_LIST_GAP = re.compile(r"\s*(?:,|/|&|och|samt|eller)\s*|\s*,\s*(?:och|samt|eller)\s+", re.IGNORECASE)
_PLACE_PREPOSITION = re.compile(r"(?<!\w)(?:i|från|inom)\s+$", re.IGNORECASE)
_MUNICIPAL_SUFFIXES = (" kommun", " stad", " Stad")


def _key(text: str) -> str:
    """Normalise a form for exact comparison (case, whitespace, hyphens, trailing dots)."""
    return _SEP.sub(" ", text.casefold()).strip(" .")


def _fold(text: str) -> str:
    """Remove diacritics ("Mölndal" -> "Molndal")."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _is_abbreviation(form: str) -> bool:
    """Return True for short acronym-like forms such as "SKR", "MDH" or "LiU"."""
    return " " not in form and len(form) <= 6 and sum(c.isupper() for c in form) >= 2


def _one_edit_kind(a: str, b: str) -> str | None:
    """Classify how ``a`` and ``b`` differ: "same", "substitution", "transposition", "indel" or None."""
    if abs(len(a) - len(b)) > 1:
        return None
    if len(a) == len(b):
        diffs = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(diffs) <= 1:
            return "substitution" if diffs else "same"
        swapped = len(diffs) == 2 and diffs[1] == diffs[0] + 1 and a[diffs[0]] == b[diffs[1]]
        return "transposition" if swapped and a[diffs[1]] == b[diffs[0]] else None
    short, long_ = sorted((a, b), key=len)
    i = next((i for i, (x, y) in enumerate(zip(short, long_, strict=False)) if x != y), len(short))
    return "indel" if short[i:] == long_[i + 1:] else None


@dataclass(frozen=True)
class Organisation:
    """A Swedish organisation known to the gazetteer.

    Attributes:
        name: Canonical official form, e.g. "Kungälvs kommun" or "Göteborgs Stad".
        kind: One of ``KINDS``.
        county: The county (län) for municipalities and regions, otherwise None.
        variants: Other recognised forms (short names, abbreviations, former names).
    """

    name: str
    kind: str
    county: str | None = None
    variants: tuple[str, ...] = ()

    @property
    def forms(self) -> tuple[str, ...]:
        """All recognised forms, canonical name first."""
        return (self.name, *self.variants)


def _unique_forms(forms: Iterable[str]) -> tuple[str, ...]:
    """Drop empty forms and forms that normalise to an earlier one."""
    seen: dict[str, str] = {}
    for form in forms:
        if form.strip() and _key(form) not in seen:
            seen[_key(form)] = form.strip()
    return tuple(seen.values())


def _municipality(name: str, official: str, county: str) -> Organisation:
    """Build a municipality with its short, genitive and "kommun"/"stad" forms."""
    genitive = next((official[: -len(s)] for s in _MUNICIPAL_SUFFIXES if official.endswith(s)), None)
    extra = [f"{genitive} kommun", f"{genitive} stad"] if genitive else []
    if genitive is None:  # "Region Gotland"
        genitive = name if name[-1] in "sxz" else f"{name}s"
        extra = [f"{genitive} kommun"]
    forms = _unique_forms([official, name, genitive, *extra])
    return Organisation(official, "municipality", county, forms[1:])


def _read_tsv(path: Path) -> list[dict[str, str]]:
    """Read a tab-separated file with a header row."""
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def _variants(row: dict[str, str]) -> tuple[str, ...]:
    """Split the semicolon-separated ``variants`` column."""
    return _unique_forms((row.get("variants") or "").split(";"))


class Gazetteer:
    """Lookup and mention detection over a fixed set of organisations.

    When two organisations share a form the one loaded first wins (municipalities,
    regions, universities, national bodies), so "Region Gotland" resolves to the
    municipality, which is the school organiser (huvudman) on Gotland.
    """

    def __init__(self, organisations: Iterable[Organisation]) -> None:
        """Index the organisations.

        Args:
            organisations: Organisations in priority order.
        """
        self.organisations = tuple(organisations)
        self._exact: dict[str, Organisation] = {}
        self._abbreviations: dict[str, str] = {}  # key -> case-sensitive spelling
        folded: dict[str, set[Organisation]] = {}
        for org in self.organisations:
            for form in org.forms:
                key = _key(form)
                self._exact.setdefault(key, org)
                if _is_abbreviation(form):
                    self._abbreviations[key] = form
                else:
                    folded.setdefault(_fold(key), set()).add(self._exact[key])
        self._ambiguous = {k for n in AMBIGUOUS_NAMES for k in (_key(n), _key(n) + "s")}
        folded_ambiguous = {_fold(k) for k in self._ambiguous}
        self._folded = {k: next(iter(v)) if len(v) == 1 and k not in folded_ambiguous else None
                        for k, v in folded.items()}
        self._fuzzy_vocab = {k: org for k, org in self._folded.items() if org is not None and len(k) >= 6}
        # Longest forms first so that the regex prefers "Göteborgs universitet" over "Göteborgs".
        forms = sorted({_key(f): f for o in self.organisations for f in o.forms}.values(),
                       key=len, reverse=True)
        alternatives = "|".join(r"[\s\-–]+".join(map(re.escape, _SEP.split(f.strip()))) for f in forms)
        # Only attempted where a capital letter starts a word (every name must be capitalised).
        self._pattern = re.compile(
            rf"(?<![\w\-])(?=(?-i:[A-ZÅÄÖÉÜ]))(?P<form>{alternatives})(?P<gen>s)?(?!\w)", re.IGNORECASE)

    @classmethod
    def load(cls, directory: Path | None = None) -> Gazetteer:
        """Load the gazetteer from its TSV files.

        Args:
            directory: Folder holding municipalities.tsv, regions.tsv, universities.tsv
                and national_bodies.tsv; defaults to the data folder beside this module.

        Returns:
            A ready-to-use gazetteer.
        """
        folder = Path(directory) if directory is not None else DATA_DIR
        rows = {name: _read_tsv(folder / f"{name}.tsv")
                for name in ("municipalities", "regions", "universities", "national_bodies")}
        orgs = [_municipality(r["name"], r["official"], r["county"]) for r in rows["municipalities"]]
        orgs += [Organisation(r["name"], "region", r["county"], _variants(r)) for r in rows["regions"]]
        orgs += [Organisation(r["name"], "university", None, _variants(r)) for r in rows["universities"]]
        orgs += [Organisation(r["name"], r["kind"], None, _variants(r)) for r in rows["national_bodies"]]
        return cls(orgs)

    def by_kind(self, kind: str) -> list[Organisation]:
        """Return all organisations of one kind, in file order."""
        return [org for org in self.organisations if org.kind == kind]

    def lookup(self, text: str) -> Organisation | None:
        """Resolve a string that names (or starts with) one organisation.

        Tries, in order: an exact case-insensitive match on any form (a trailing
        genitive "s" is tolerated; two-letter abbreviations must be upper case and
        bare ``AMBIGUOUS_NAMES`` capitalised), the same on the part before the first
        comma/parenthesis, a single organisation found by :meth:`find_all`, a
        diacritics-insensitive match and a one-edit fuzzy match for names of six or
        more characters (both skip ``AMBIGUOUS_NAMES``).

        Args:
            text: E.g. "Kungälvs kommun, barn- och utbildningsförvaltningen" or "MDH".

        Returns:
            The organisation, or None when nothing (or more than one) matches.
        """
        text = text.strip()
        head = _HEAD_SPLIT.split(text, maxsplit=1)[0]
        candidates = [c for c in dict.fromkeys((text, head)) if c]
        for candidate in candidates:
            if (org := self._exact_match(candidate)) is not None:
                return org
        found = {org for _, _, org in self.find_all(text)}
        if len(found) == 1:
            return found.pop()
        for candidate in candidates:
            folded = _fold(_key(candidate))
            org = self._folded.get(folded)
            if org is None and folded.endswith("s"):
                org = self._folded.get(folded[:-1])
            if org is not None:
                return org
        return self._fuzzy(head) if head else None

    def _exact_match(self, text: str) -> Organisation | None:
        """Exact form match, tolerating a genitive "s" on non-abbreviations."""
        key = _key(text)
        if key in self._ambiguous and not text.strip()[:1].isupper():
            return None  # "vara", "berg": ordinary words unless capitalised
        if key in self._exact:
            spelling = self._abbreviations.get(key)
            if spelling is not None and len(key) <= 2 and text.strip() != spelling:
                return None
            return self._exact[key]
        if key.endswith("s") and key[:-1] in self._exact and key[:-1] not in self._abbreviations:
            return self._exact[key[:-1]]
        return None

    def _fuzzy(self, text: str) -> Organisation | None:
        """One-edit typo match against names of at least six characters.

        A missing, extra or swapped letter is accepted; a replaced letter only in
        inputs of seven or more characters (so "väntas" does not become "Vännäs").
        """
        key = _fold(_key(text))
        if len(key) < 5:
            return None
        hits = set()
        for candidate in difflib.get_close_matches(key, self._fuzzy_vocab, n=10, cutoff=0.75):
            kind = _one_edit_kind(key, candidate)
            if kind in ("indel", "transposition") or (kind == "substitution" and len(key) >= 7):
                hits.add(self._fuzzy_vocab[candidate])
        return hits.pop() if len(hits) == 1 else None

    def find_all(self, text: str) -> list[tuple[int, int, Organisation]]:
        """Find all non-overlapping organisation mentions in running text.

        The longest form wins at each position and word boundaries are respected.
        Names must start with a capital letter and abbreviations must match exactly
        ("SKR", not "skr"); a trailing genitive "s" is included in the span. Bare
        forms of ``AMBIGUOUS_NAMES`` need extra context (see the rule above).

        Args:
            text: Running text, e.g. "Anna Berg (Kungälv), Helena Welén, Skolverket".

        Returns:
            (start, end, organisation) tuples in text order.
        """
        found: list[tuple[int, int, Organisation, bool]] = []
        for match in self._pattern.finditer(text):
            form, key = match.group("form"), _key(match.group("form"))
            org, spelling = self._exact.get(key), self._abbreviations.get(key)
            if org is None or (spelling is not None and form != spelling) or not form[0].isupper():
                continue
            found.append((match.start(), match.end(), org, key in self._ambiguous))
        accepted = [not ambiguous or self._has_place_context(text, start, end)
                    for start, end, _, ambiguous in found]
        changed = True
        while changed:
            changed = False
            for i, (start, end, _, _) in enumerate(found):
                if accepted[i]:
                    continue
                for j in (i - 1, i + 1):
                    if 0 <= j < len(found) and accepted[j] and found[j][2].kind == "municipality":
                        gap = text[found[j][1]:start] if j < i else text[end:found[j][0]]
                        if _LIST_GAP.fullmatch(gap):
                            accepted[i] = changed = True
                            break
        return [(s, e, org) for (s, e, org, _), ok in zip(found, accepted, strict=True) if ok]

    def _has_place_context(self, text: str, start: int, end: int) -> bool:
        """Return True if an ambiguous bare name is in parentheses or follows a place preposition."""
        before, after = text[max(0, start - 4):start], text[end:end + 4]
        if before.rstrip().endswith("(") and after.lstrip().startswith(")"):
            return True
        name = _key(text[start:end])
        first_name = any(name in (_key(n), _key(n) + "s") for n in FIRST_NAMES)
        return not first_name and _PLACE_PREPOSITION.search(text, max(0, start - 8), start) is not None


@lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    """Return the gazetteer loaded from the bundled data folder (cached)."""
    return Gazetteer.load()
