"""Document metadata from sidecar files, file names and text: date, type, network and title."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from ingest.models import DOC_TYPES, ParsedFile

MONTHS = {
    "januari": 1, "februari": 2, "mars": 3, "april": 4, "maj": 5, "juni": 6, "juli": 7,
    "augusti": 8, "september": 9, "oktober": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
    "okt": 10, "nov": 11, "dec": 12,
}
_ISO = re.compile(r"(?<!\d)((?:19|20)\d\d)-(\d\d)-(\d\d)(?!\d)")
_COMPACT = re.compile(r"(?<!\d)((?:19|20)\d\d)(\d\d)(\d\d)(?!\d)")
_WRITTEN = re.compile(
    r"(?<!\d)(\d{1,2})(?:\s*:e|\s*:a)?\s+(" + "|".join(sorted(MONTHS, key=len, reverse=True)) +
    r")\.?\s+((?:19|20)\d\d)(?!\d)", re.IGNORECASE)
_TERM = re.compile(r"\b(ht|vt|hösttermin(?:en)?|vårtermin(?:en)?|hösten|våren)\s*-?\s*((?:19|20)\d\d)\b",
                   re.IGNORECASE)
_LABELLED = re.compile(r"\b(datum|mötesdatum|publicerad|daterad|tid och datum|när)\s*:?\s*", re.IGNORECASE)
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")

#: File-name and heading words that reveal the type of a document.
_TYPE_WORDS: list[tuple[str, str]] = [
    ("minnesanteckningar", "minutes"), ("anteckningar", "minutes"), ("anteckning", "minutes"),
    ("protokoll", "minutes"), ("minutes", "minutes"),
    ("tematraff", "theme_meeting"), ("tematräff", "theme_meeting"), ("temadag", "theme_meeting"),
    ("presentation", "presentation"), ("bildspel", "presentation"), ("slides", "presentation"),
    ("oversikt", "overview"), ("översikt", "overview"), ("natverkstraffar", "overview"),
    ("verksamhetsplan", "plan"), ("plan", "plan"), ("uppdrag", "plan"), ("stadgar", "plan"),
]


@dataclass
class Metadata:
    """What extraction decided about one document, with where the date came from and how exact
    it is ("day", "term" or "year"; see ``ingest.models.date_span``)."""

    title: str
    date: str | None
    date_source: str
    doc_type: str
    network: str | None
    presenters: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    date_precision: str = "day"


def _valid(year: int, month: int, day: int) -> str | None:
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def find_dates(text: str) -> list[tuple[int, str]]:
    """Every full date in a text as (position, ISO date): ISO and Swedish written forms."""
    found: list[tuple[int, str]] = []
    for m in _ISO.finditer(text):
        iso = _valid(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if iso:
            found.append((m.start(), iso))
    for m in _WRITTEN.finditer(text):
        iso = _valid(int(m.group(3)), MONTHS[m.group(2).lower()], int(m.group(1)))
        if iso:
            found.append((m.start(), iso))
    return sorted(found)


_DAY_MONTH = re.compile(
    r"(?<!\d)(\d{1,2})(?:\s*:e|\s*:a)?\s+(" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\b\.?",
    re.IGNORECASE)


def heading_date(heading: str, year: str) -> str | None:
    """The day a section heading names, for a document dated only by its year: a full date, or
    a day and month completed with ``year`` ("Träff 2 – 16 maj" in a 2024 overview -> 2024-05-16)."""
    dates = find_dates(heading)
    if dates:
        return dates[0][1]
    m = _DAY_MONTH.search(heading)
    return _valid(int(year), MONTHS[m.group(2).lower()], int(m.group(1))) if m else None


def section_date(date: str | None, precision: str, heading: str) -> tuple[str | None, str]:
    """(date, precision) of one section: a section of a year-only document (a yearly overview
    page) whose heading names its meeting's day has that day; any other has its document's."""
    if date and precision == "year":
        day = heading_date(heading, date[:4])
        if day:
            return day, "day"
    return date, precision


def term_date(text: str) -> str | None:
    """A representative date for the first term named in a text ("HT 2023" -> 2023-10-15)."""
    m = _TERM.search(text)
    if not m:
        return None
    autumn = m.group(1).lower().startswith(("ht", "höst"))
    return f"{m.group(2)}-{'10' if autumn else '03'}-15"


def date_from_filename(name: str) -> str | None:
    """The full date a file name carries (2024-03-05_..., 20240305_...), or None."""
    for pattern in (_ISO, _COMPACT):
        m = pattern.search(name)
        if m:
            iso = _valid(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            if iso:
                return iso
    return None


def extract_date(text: str, filename: str) -> tuple[str | None, str, str]:
    """Decide a document's date, say where it came from and how exact it is.

    Order: a labelled date in the text ("Datum: 12 oktober 2021", "Publicerad 2024-03-05"),
    the file name's date, the first date near the start of the text, a term ("HT 2023"),
    the file name's year.

    Returns:
        (ISO date or None, source, precision): the precision is "day", "term" (the date is
        the term's 15 March or 15 October) or "year" (1 January of the year).
    """
    head = text[:1500]
    for m in _LABELLED.finditer(head):
        dates = find_dates(head[m.end(): m.end() + 40])
        if dates and dates[0][0] < 12:
            return dates[0][1], "text", "day"
    from_name = date_from_filename(filename)
    if from_name:
        return from_name, "filename", "day"
    dates = find_dates(text[:600])
    if dates:
        return dates[0][1], "text", "day"
    term = term_date(head) or term_date(filename.replace("_", " "))
    if term:
        return term, "term", "term"
    year = _YEAR.search(PurePosixPath(filename).name)
    if year:
        return f"{year.group(1)}-01-01", "filename", "year"
    return None, "", "day"


def guess_doc_type(rel_path: str, parsed: ParsedFile) -> str:
    """Guess the document type from the file name, then the format and the text."""
    name = PurePosixPath(rel_path).name.lower()
    tokens = re.split(r"[_\-.\s]+", name)
    for word, doc_type in _TYPE_WORDS:
        if word in tokens:
            return doc_type
    if parsed.format == "pptx":
        return "presentation"
    headings = " ".join(s.heading.lower() for s in parsed.sections)
    head = " ".join(s.text for s in parsed.sections[:3]).lower()[:2000]
    title = (parsed.title or "").lower()
    if "tematräff" in title or "tematräff" in head[:300]:
        return "theme_meeting"
    if len(re.findall(r"\bträff \d", headings)) >= 2:
        return "overview"
    if any(w in title for w in ("anteckningar", "protokoll")) or re.search(r"\b(närvarande|deltagare)\b", headings + head):
        return "minutes"
    if parsed.format == "pdf" and parsed.sections and all(s.page for s in parsed.sections) and \
            len(parsed.sections) >= 3 and sum(len(s.text) for s in parsed.sections) / len(parsed.sections) < 600:
        return "presentation"
    if any(w in title for w in ("plan", "uppdrag")):
        return "plan"
    return "other"


#: The corpus folder that files added in the app go to, one subfolder per network, and the
#: subfolder of uploads whose network is not known.
UPLOAD_DIR = "uppladdat"
UNKNOWN_NETWORK = "okänt"


def guess_network(rel_path: str) -> str | None:
    """The network from the path: its first folder (not a year), else the file name's slug.

    Under the upload folder the network is the next folder ("uppladdat/gr-digitalisering/x.pdf");
    "uppladdat/okänt/" holds uploads of no known network.
    """
    parts = PurePosixPath(rel_path).parts
    if len(parts) > 2 and parts[0] == UPLOAD_DIR:
        parts = parts[1:] if parts[1] != UNKNOWN_NETWORK else parts[-1:]
    if len(parts) > 1 and not re.fullmatch(r"(19|20)\d\d", parts[0]):
        return parts[0]
    stem = PurePosixPath(rel_path).stem
    pieces = stem.split("_")
    if len(pieces) >= 3 and (_ISO.match(pieces[0]) or _YEAR.fullmatch(pieces[0])):
        return pieces[1]
    return None


def _sidecar_date(value) -> tuple[str, str] | None:
    """(ISO date, precision) of a sidecar's ``date:`` value: a date, a term ("HT 2023") or a year."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat(), "day"
    if isinstance(value, dt.date):
        return value.isoformat(), "day"
    if isinstance(value, int) and not isinstance(value, bool) and 1900 <= value <= 2099:
        return f"{value}-01-01", "year"
    if isinstance(value, str):
        dates = find_dates(value)
        if dates:
            return dates[0][1], "day"
        term = term_date(value)
        if term:
            return term, "term"
        if re.fullmatch(r"\s*(19|20)\d\d\s*", value):
            return f"{value.strip()}-01-01", "year"
    return None


def extract_metadata(parsed: ParsedFile, rel_path: str, sidecar: dict | None = None) -> Metadata:
    """Decide title, date, type and network; sidecar values win where present.

    Args:
        parsed: The reader's output.
        rel_path: The path relative to the corpus root.
        sidecar: The parsed ``<file>.meta.yaml`` mapping, or None.
    """
    sidecar = sidecar or {}
    notes: list[str] = []
    text = "\n".join(s.heading + "\n" + s.text for s in parsed.sections)
    date, source, precision = extract_date(text, PurePosixPath(rel_path).name)
    if sidecar.get("date") is not None:
        side = _sidecar_date(sidecar["date"])
        if side:
            (date, precision), source = side, "sidecar"
        else:
            notes.append(f"sidecar date {sidecar['date']!r} is not a date; ignored")
    doc_type = guess_doc_type(rel_path, parsed)
    side_type = str(sidecar.get("type") or "").strip()
    if side_type:
        if side_type in DOC_TYPES:
            doc_type = side_type
        else:
            notes.append(f"sidecar type {side_type!r} is not one of {', '.join(DOC_TYPES)}; ignored")
    network = str(sidecar.get("network")).strip() if sidecar.get("network") else guess_network(rel_path)
    title = str(sidecar.get("title") or "").strip() or (parsed.title or "").strip()
    if not title:
        title = PurePosixPath(rel_path).stem.replace("_", " ")
    presenters = [p for p in (sidecar.get("presenters") or []) if isinstance(p, dict) and p.get("name")]
    return Metadata(title[:300], date, source, doc_type, network or None, presenters, notes, precision)
