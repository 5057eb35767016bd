"""People across the archive: who presented or spoke on a theme, and one person's profile."""

from __future__ import annotations

import math
import re
import threading
import weakref
from collections import defaultdict
from dataclasses import dataclass, field

from index.archive import Archive, Filters
from index.directory import OrganisationSpan, PeopleDirectory, _neg, person_key
from index.filters import fold, search_mask, with_query_dates
from index.query import understand_query
from index.search import DEFAULT_RANKING, lexical_scores, rrf
from index.vectors import _top_k
from ingest.metadata import section_date
from ingest.models import Dated

#: How many fused chunk candidates each method contributes, and how many of them give credit.
DEPTH = 80
CREDITED = 60
#: Credit of the chunk at rank r (0-based) is DECAY ** r: the best sections count most.
DECAY = 0.93
#: Share of full credit for the people named in running text as saying something there
#: ("Sofia berättade att ..."), and for presenters a document names without a section.
SPEAKER_SHARE = 0.5
DOC_WIDE_SHARE = 0.5
#: Overviews and plans repeat or announce talks that minutes and decks document.
SECONDARY_TYPES = {"overview": 0.5, "plan": 0.3}
#: A chunk found only by meaning (no query word in it) is evidence only this close to the best one:
#: its cosine similarity at least DENSE_FLOOR times the best chunk's.
DENSE_FLOOR = 0.8
#: A talk at the end of the archive's period counts this much more than one at its start.
RECENCY_BONUS = 0.3

_SPEECH = (r"berättade|menade|sa|sade|påpekade|lyfte|frågade|beskrev|visade|tog upp|delade|presenterade|"
           r"föreläste|redovisade|redogjorde|gick igenom|förklarade|betonade|framhöll|svarade|informerade|"
           r"talade|pratade|inledde|sammanfattade|konstaterade|underströk|tipsade|rekommenderade")
_ATTENDANCE_ROLES = ("chair", "note_taker", "coordinator", "guest", "present", "absent")


@dataclass
class Evidence(Dated):
    """One place where a person presented or spoke on the theme.

    Attributes:
        doc_id, title, date, path, doc_type: The document.
        section: The agenda item or slide where it happened.
        role: "presenter" (the agenda item or deck is theirs) or "speaker" (named as saying
            something in a matching section).
        chunk_id: The best-matching chunk there, for linking to the passage.
        weight: Credit before the recency bonus.
    """

    doc_id: str
    title: str
    date: str | None
    section: str
    role: str
    path: str = ""
    doc_type: str = ""
    chunk_id: str = ""
    weight: float = 0.0
    date_precision: str = "day"

    def to_json(self) -> dict:
        return {"doc_id": self.doc_id, "title": self.title, "date": self.date, "date_precision": self.date_precision,
                "date_label": self.date_label, "section": self.section, "role": self.role, "path": self.path,
                "chunk_id": self.chunk_id}


@dataclass
class PersonResult:
    """A person who presented or spoke on a theme, with where.

    Attributes:
        name: The person's name as most documents write it.
        organisations: Organisations the person has been listed with, most documents first.
        score: Credit from matching sections, decayed by rank, with a bonus for recent ones.
        evidence: The matching places, strongest first.
    """

    name: str
    organisations: list[str]
    score: float
    evidence: list[Evidence] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"name": self.name, "organisations": self.organisations, "score": round(self.score, 4),
                "evidence": [e.to_json() for e in self.evidence]}


@dataclass
class Appearance(Dated):
    """One document where a person had a role: a talk they gave or a meeting they took part in."""

    doc_id: str
    title: str
    date: str | None
    doc_type: str
    network: str | None
    path: str
    role: str
    section: str = ""
    date_precision: str = "day"

    def to_json(self) -> dict:
        return {"doc_id": self.doc_id, "title": self.title, "date": self.date, "date_precision": self.date_precision,
                "date_label": self.date_label, "doc_type": self.doc_type, "network": self.network, "path": self.path,
                "role": self.role, "section": self.section}


@dataclass
class PersonProfile:
    """Everything the archive records about one person.

    Attributes:
        name: The person's name as most documents write it.
        organisations: Organisations over time, earliest first.
        titles: Job titles documents give ("undervisningsråd").
        presentations: Talks given, by date (one per document and agenda item).
        meetings: Other roles (present, chair, note_taker, guest, coordinator, absent), by date.
        networks: Networks whose documents name the person.
        also_matching: Other people the typed name could mean.
    """

    name: str
    organisations: list[OrganisationSpan]
    titles: list[str]
    presentations: list[Appearance]
    meetings: list[Appearance]
    networks: list[str]
    also_matching: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"name": self.name, "organisations": [o.to_json() for o in self.organisations],
                "titles": self.titles, "presentations": [p.to_json() for p in self.presentations],
                "meetings": [m.to_json() for m in self.meetings], "networks": self.networks,
                "also_matching": self.also_matching}


_DIRECTORIES: weakref.WeakKeyDictionary[Archive, PeopleDirectory] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def people_directory(archive: Archive) -> PeopleDirectory:
    """The archive's people, loaded once per opened archive.

    Generations of format 2 and later hold the directory (``index.directory``); older ones
    get it built in memory from every people row, which takes a minute at a million chunks
    (`arkiv ingest` rewrites such a generation in the current format).
    """
    with _LOCK:
        directory = _DIRECTORIES.get(archive)
        if directory is None:
            if archive.manifest.format >= 2:
                directory = PeopleDirectory.load(archive.meta)
            else:
                directory = PeopleDirectory([dict(r) for r in archive.meta.all_people()])
            _DIRECTORIES[archive] = directory
        return directory


def _item(heading: str) -> str:
    """The agenda item of a heading, folded ("2. AI (Jonas Ekholm) › Beslut" -> "2. ai (jonas ekholm)")."""
    return " ".join(fold(heading.split(" › ")[0]).split())


def _same_item(person_section: str, chunk_section: str) -> bool:
    """Whether a presenter's agenda item is the chunk's section (wrapped or shortened headings too)."""
    a, b = _item(person_section), _item(chunk_section)
    if not a or not b:
        return False
    return a == b or a.startswith(b) or b.startswith(a) or (min(len(a), len(b)) >= 12 and (a in b or b in a))


def _spoke(text: str, name: str) -> bool:
    """Whether the text has the name (or its first name) as the subject of a speech verb."""
    first = re.escape(name.split()[0])
    pattern = rf"\b(?:{re.escape(name)}|{first})\b[^.!?\n]{{0,80}}?\b(?:{_SPEECH})\b"
    return re.search(pattern, text) is not None


@dataclass
class _Credit:
    """What one matching chunk gives one person: credit, role, the section shown, the place it counts for."""

    weight: float
    role: str
    section: str
    place: str


def _credits(directory: PeopleDirectory, rows: list[dict], chunk, doc: dict, weight: float) -> dict[str, _Credit]:
    """Credit per person key for one matching chunk (``rows``: the people rows of its document)."""
    presenters = [r for r in rows if r["role"] == "presenter"]
    weight *= SECONDARY_TYPES.get(doc["doc_type"], 1.0)
    found: dict[str, _Credit] = {}

    def give(key: str, credit: _Credit) -> None:
        if key not in found or credit.weight > found[key].weight:
            found[key] = credit

    own = [r for r in presenters if r["section"] and _same_item(r["section"], chunk.section)]
    sectioned = {person_key(r["name"]) for r in presenters if r["section"]}
    deck = doc["doc_type"] == "presentation"
    for row in own:  # co-presenters share an item unless the passage names them
        share = 1.0 if row["name"] in chunk.text else 1 / math.sqrt(len({r["name"] for r in own}))
        give(person_key(row["name"]), _Credit(weight * share, "presenter", row["section"],
                                              "" if deck else row["section"]))
    for row in presenters:
        key = person_key(row["name"])
        if deck:  # a deck is its presenters' talk, every slide of it
            give(key, _Credit(weight, "presenter", row["section"] or doc["title"], ""))
        elif not row["section"] and key not in sectioned:  # named for the whole document only
            give(key, _Credit(weight * DOC_WIDE_SHARE, "presenter", "", ""))
    for key in {person_key(r["name"]) for r in rows}:
        if key not in found and _spoke(chunk.text, directory.name(key)):
            give(key, _Credit(weight * SPEAKER_SHARE, "speaker", chunk.section, chunk.section))
    return found


def _recency(date: str | None, period: tuple[str | None, str | None]) -> float:
    """0 for the archive's first date, 1 for its last (0 when undated)."""
    first, last = period
    if not date or not first or not last or first == last:
        return 0.0
    span = _days(last) - _days(first)
    return min(1.0, max(0.0, (_days(date) - _days(first)) / span))


def _days(iso: str) -> int:
    year, month, day = (int(p) for p in iso.split("-"))
    return year * 372 + month * 31 + day


def _matching_rows(archive: Archive, text: str, mask) -> list[int]:
    """Chunk rows matching a theme, best first: hybrid ranking (as ``search``) of plausible matches only.

    A chunk sharing a word with the theme (BM25 above 0) always counts; one found by meaning
    alone must come close to the best chunk's similarity, so a small or unrelated archive
    does not credit whoever happens to rank next.
    """
    if mask is not None and not mask.any():
        return []
    rows, sims = archive.vectors.search(archive.embedder.embed_query(text), DEPTH, mask)
    bm = lexical_scores(archive, text, mask, 0.0) if archive.lexical.size else None
    top = _top_k(bm, DEPTH) if bm is not None else rows[:0]
    lexical = top[bm[top] > 0] if bm is not None else top
    fused = rrf([rows, lexical], DEFAULT_RANKING.rrf_k, [DEFAULT_RANKING.dense_weight, DEFAULT_RANKING.lexical_weight])
    floor = float(sims[0]) * DENSE_FLOOR if len(sims) and sims[0] > 0 else 0.0
    plausible = set(lexical.tolist()) | {r for r, s in zip(rows.tolist(), sims.tolist(), strict=True) if s >= floor}
    ranked = sorted((item for item in fused.items() if item[0] in plausible), key=lambda i: (-i[1], i[0]))
    return [row for row, _ in ranked[:CREDITED]]


def find_people(archive: Archive, query: str, k: int = 10, filters: Filters | None = None) -> list[PersonResult]:
    """The people who presented or spoke on a theme, most and most recently first.

    The theme is searched like any query (dates, quoted phrases and who-questions understood:
    "vem pratade om AI 2024?" looks for "AI" in 2024). Each matching chunk, decayed by its
    rank, credits the presenters of its agenda item, the presenters of a matching deck, and
    at a share the people named there as saying something. A person's credit per place is
    the best chunk's there; places add up and recent ones count a little more.

    Args:
        archive: The opened index.
        query: A theme or a who-question.
        k: How many people to return.
        filters: Date, network, type, people filters, applied before ranking.

    Returns:
        The people, best first, each with organisations and evidence.
    """
    understood = understand_query(query)
    filters = with_query_dates(filters, understood)
    mask = search_mask(archive, filters, understood.phrases)
    ranked = _matching_rows(archive, understood.text, mask)
    chunks = archive.meta.chunks_by_rows(ranked)
    directory = people_directory(archive)
    people = directory.rows_of_documents(c.doc_id for c in chunks.values() if c.kind != "attendance")
    places: dict[str, dict[tuple[str, str], Evidence]] = defaultdict(dict)
    for rank, row in enumerate(ranked):
        chunk = chunks[row]
        if chunk.kind == "attendance":
            continue
        doc = archive.documents[archive.doc_pos[chunk.doc_id]]
        for key, credit in _credits(directory, people.get(chunk.doc_id, []), chunk, doc, DECAY ** rank).items():
            held = places[key].get((doc["doc_id"], credit.place))
            if held is None or credit.weight > held.weight:
                date, precision = section_date(doc["date"], doc["date_precision"], credit.section)
                places[key][(doc["doc_id"], credit.place)] = Evidence(
                    doc["doc_id"], doc["title"], date, credit.section, credit.role, doc["path"],
                    doc["doc_type"], chunk.chunk_id, credit.weight, precision)
    period = archive.period()
    results = []
    for key, evidence in places.items():
        found = sorted(evidence.values(), key=lambda e: (-e.weight, _neg(e.date)))
        score = sum(e.weight * (1 + RECENCY_BONUS * _recency(e.date, period)) for e in found)
        results.append(PersonResult(directory.name(key), directory.organisation_names(key), score, found))
    if understood.organisation:  # "vem från Skolverket ...": only Skolverket's people, if any
        named = [r for r in results if understood.organisation in r.organisations]
        results = named or results
    results.sort(key=lambda r: (-r.score, r.name))
    return results[:k]


def matching_people(archive: Archive, name: str) -> list[str]:
    """Names of the people a typed name could mean ("Welen" -> ["Helena Welén"]), likeliest first."""
    directory = people_directory(archive)
    return [directory.name(key) for key in directory.matching(name)]


def person_profile(archive: Archive, name: str) -> PersonProfile | None:
    """One person's organisations over time, talks and meetings; None when nobody matches.

    Names are matched tolerantly ("Welen" and "helena welen" find "Helena Welén"); when
    several people match, the closest spelling (then the most documented) is shown and the
    others are listed in ``also_matching``.
    """
    directory = people_directory(archive)
    keys = directory.matching(name)
    if not keys:
        return None
    record = directory.records[keys[0]]
    rows = directory.rows_of(record.key)
    talks: dict[tuple[str, str], Appearance] = {}
    meetings: dict[str, Appearance] = {}
    for row in rows:
        date, precision = section_date(row["date"], row["date_precision"], row["section"])
        seen = Appearance(row["doc_id"], row["doc_title"], date, row["doc_type"], row["network"],
                          row["path"], row["role"], row["section"], precision)
        if row["role"] == "presenter":
            talks.setdefault((row["doc_id"], row["section"]), seen)
        else:
            held = meetings.get(row["doc_id"])
            if held is None or _ATTENDANCE_ROLES.index(row["role"]) < _ATTENDANCE_ROLES.index(held.role):
                meetings[row["doc_id"]] = seen
    by_date = lambda a: (a.date or "", a.title, a.section)  # noqa: E731 - a sort key
    titles = sorted({r["title"] for r in rows if r["title"]})
    networks = sorted({r["network"] for r in rows if r["network"]})
    return PersonProfile(record.name, directory.organisations(record.key), titles,
                         sorted(talks.values(), key=by_date), sorted(meetings.values(), key=by_date), networks,
                         [directory.name(k) for k in keys[1:]])
