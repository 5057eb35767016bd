"""The domain model of the archive: documents, their sections, chunks, people and search hits."""

from __future__ import annotations

from dataclasses import dataclass, field

#: The kinds of document a network produces. ``minutes`` are meeting notes
#: (anteckningar, minnesanteckningar), ``theme_meeting`` notes from a tematräff,
#: ``presentation`` a slide deck, ``overview`` a yearly page listing the meetings,
#: ``plan`` a plan of themes or a network charter.
DOC_TYPES: tuple[str, ...] = ("minutes", "theme_meeting", "presentation", "overview", "plan", "other")

#: Swedish labels for the document types, used by the CLI and the app.
DOC_TYPE_LABELS: dict[str, str] = {
    "minutes": "Anteckningar",
    "theme_meeting": "Tematräff",
    "presentation": "Presentation",
    "overview": "Översikt",
    "plan": "Plan/uppdrag",
    "other": "Övrigt",
}

#: How exact a document's date is. A "term" date stands for a spring (VT, January to June) or
#: autumn term (HT, July to December) and is stored as the term's 15 March or 15 October; a
#: "year" date (a yearly overview page) is stored as 1 January of its year.
DATE_PRECISIONS: tuple[str, ...] = ("day", "term", "year")


def date_span(date: str, precision: str = "day") -> tuple[str, str]:
    """The first and last day (ISO) that a stored date stands for.

    >>> date_span("2023-10-15", "term")
    ('2023-07-01', '2023-12-31')
    """
    year = date[:4]
    if precision == "year":
        return f"{year}-01-01", f"{year}-12-31"
    if precision == "term":
        return (f"{year}-01-01", f"{year}-06-30") if date[5:7] < "07" else (f"{year}-07-01", f"{year}-12-31")
    return date, date


def date_label(date: str | None, precision: str = "day") -> str | None:
    """How a stored date is shown: "2024-03-12", "VT 2024" / "HT 2024", or "2024"; None when undated."""
    if not date:
        return None
    if precision == "year":
        return date[:4]
    if precision == "term":
        return f"{'VT' if date[5:7] < '07' else 'HT'} {date[:4]}"
    return date


class Dated:
    """A record with a ``date`` and its ``date_precision``, shown by ``date_label``."""

    date: str | None
    date_precision: str

    @property
    def date_label(self) -> str | None:
        """The date as shown: a day, "VT 2024"/"HT 2024" or a year; None when undated."""
        return date_label(self.date, self.date_precision)


#: How a person took part in a meeting or document.
ROLES: tuple[str, ...] = ("presenter", "present", "guest", "absent", "chair", "note_taker", "coordinator")


@dataclass
class Section:
    """One structural unit of a document: an agenda item, a heading's text, a PDF page or a slide.

    Attributes:
        heading: The heading as written ("3. Digitala nationella prov (Helena Welén, Skolverket)"),
            the slide title, or "" where the unit has none.
        text: The section's body text as shown to a reader (the heading is not repeated in it).
        page: The 1-based PDF page or slide number, or None for flowing text (DOCX, HTML, Markdown).
        kind: "body" for ordinary text, "attendance" for lists of who attended (personal data
            that a setting can keep out of the searchable text).
    """

    heading: str
    text: str
    page: int | None = None
    kind: str = "body"

    def __post_init__(self) -> None:
        if self.page is not None and self.page < 1:
            raise ValueError(f"Section page must be 1 or more, got {self.page}")
        if self.kind not in ("body", "attendance"):
            raise ValueError(f"Section kind must be 'body' or 'attendance', got {self.kind!r}")


@dataclass
class ParsedFile:
    """What a reader returns for one file: its sections in reading order and a title hint.

    Attributes:
        sections: The file's sections, in reading order.
        title: The title the file itself declares (PDF/DOCX/PPTX properties, HTML <title>,
            first heading), or None.
        format: The reader that produced it: "pdf", "docx", "pptx", "html", "markdown", "text".
        notes: One-line remarks about degraded reading ("decoded as cp1252"), shown in the report.
    """

    sections: list[Section]
    title: str | None
    format: str
    notes: list[str] = field(default_factory=list)


@dataclass
class Person:
    """A person mentioned in a document, with the role they had there.

    Attributes:
        name: Full name as normalised by extraction ("Helena Welén").
        organisation: Canonical organisation name ("Kungälvs kommun"), or None when unknown.
        role: One of ROLES.
        section: The heading of the section where the role applies (the agenda item presented),
            or "" for document-wide roles such as attendance.
        title: A job title when the document gives one ("undervisningsråd").
    """

    name: str
    organisation: str | None
    role: str
    section: str = ""
    title: str | None = None

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"Person role must be one of {', '.join(ROLES)}; got {self.role!r}")


@dataclass
class Document(Dated):
    """One file of the archive with its metadata.

    Attributes:
        doc_id: Stable id derived from the path relative to the corpus root (same path, same id).
        path: The path relative to the corpus root, with "/" separators.
        title: The document's title.
        date: ISO date (YYYY-MM-DD) of the meeting or publication, or None when unknown.
        doc_type: One of DOC_TYPES.
        network: The network's slug ("gr-digitalisering"), or None.
        content_hash: SHA-256 of the file's bytes; a changed hash means the file changed.
        format: The reader that parsed it ("pdf", "docx", ...).
        sections: The document's sections in reading order.
        people: People found in the document, with roles.
        date_source: Where the date came from: "sidecar", "text", "filename", "term" or "".
        date_precision: How exact ``date`` is: one of DATE_PRECISIONS (see ``date_span``).
    """

    doc_id: str
    path: str
    title: str
    date: str | None
    doc_type: str
    network: str | None
    content_hash: str
    format: str
    sections: list[Section] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    date_source: str = ""
    date_precision: str = "day"

    def __post_init__(self) -> None:
        if self.doc_type not in DOC_TYPES:
            raise ValueError(f"Document type must be one of {', '.join(DOC_TYPES)}; got {self.doc_type!r}")
        if self.date is not None and (len(self.date) != 10 or self.date[4] != "-" or self.date[7] != "-"):
            raise ValueError(f"Document date must be ISO YYYY-MM-DD, got {self.date!r}")
        if self.date_precision not in DATE_PRECISIONS:
            raise ValueError(f"Document date_precision must be one of {', '.join(DATE_PRECISIONS)}; "
                             f"got {self.date_precision!r}")


@dataclass
class Chunk:
    """A piece of one section, the unit that is embedded, indexed and returned by search.

    Offsets index the section's text: ``doc.sections[c.section_index].text[c.start:c.end] == c.text``.

    Attributes:
        chunk_id: "<doc_id>-<n>", n counting the document's chunks from 0.
        doc_id: The document it belongs to.
        section_index: Position of its section in ``Document.sections``.
        section: The section heading ("" when none).
        page: PDF page or slide number, or None.
        text: The text shown to a reader.
        start: Start offset of ``text`` in the section text.
        end: End offset (exclusive).
        embed_text: What is embedded and indexed: document title, section heading and text.
            Titles and headings help retrieval but are not part of what is shown.
        kind: The section kind ("body" or "attendance").
    """

    chunk_id: str
    doc_id: str
    section_index: int
    section: str
    page: int | None
    text: str
    start: int
    end: int
    embed_text: str
    kind: str = "body"

    def __post_init__(self) -> None:
        if not 0 <= self.start <= self.end:
            raise ValueError(f"Chunk {self.chunk_id}: offsets must satisfy 0 <= start <= end, got {self.start}, {self.end}")
        if self.end - self.start != len(self.text):
            raise ValueError(f"Chunk {self.chunk_id}: end - start ({self.end - self.start}) must equal len(text) ({len(self.text)})")


@dataclass
class SearchHit(Dated):
    """One ranked search result.

    Attributes:
        chunk_id, doc_id, path, title, date, doc_type, network, section, page, text: as on
            Chunk and Document; ``text`` is the chunk's full text.
        score: The fused score; higher is better. Comparable only within one result list.
        snippet: A short excerpt around the best-matching sentence, query words marked with
            ``**`` (the renderers turn the marks into highlighting after escaping the text).
        more: Further hits from the same document, collapsed under this one.
        sources: Other places holding a near-identical passage (the same slide in two decks),
            as (doc_id, path, title, date, date_label, section) dicts.
        date_precision: How exact ``date`` is (DATE_PRECISIONS); ``date_label`` shows it.
    """

    chunk_id: str
    doc_id: str
    path: str
    title: str
    date: str | None
    doc_type: str
    network: str | None
    section: str
    page: int | None
    text: str
    score: float
    snippet: str = ""
    more: list[SearchHit] = field(default_factory=list)
    sources: list[dict] = field(default_factory=list)
    date_precision: str = "day"

    def to_json(self) -> dict:
        """The hit as the CLI's JSON contract prints it."""
        return {
            "chunk_id": self.chunk_id,
            "doc_id": self.doc_id,
            "path": self.path,
            "title": self.title,
            "date": self.date,
            "date_precision": self.date_precision,
            "date_label": self.date_label,
            "doc_type": self.doc_type,
            "network": self.network,
            "section": self.section,
            "page": self.page,
            "text": self.text,
            "score": round(float(self.score), 6),
            "snippet": self.snippet,
            "more": [m.chunk_id for m in self.more],
            "sources": self.sources,
        }


#: An example document used by the round-trip tests and as living documentation.
EXAMPLE_DOCUMENT = Document(
    doc_id="3f2a9c1b7e4d",
    path="gr-digitalisering/2024/2024-03-12_gr-digitalisering_anteckningar.pdf",
    title="Anteckningar – GR:s nätverk för digitalisering i skolan",
    date="2024-03-12",
    doc_type="minutes",
    network="gr-digitalisering",
    content_hash="0" * 64,
    format="pdf",
    sections=[
        Section("Närvarande", "Anna Berg (Kungälv), Per Olsson (Mölndal)", page=1, kind="attendance"),
        Section("2. AI och bedömning (Jonas Ekholm, Göteborgs universitet)",
                "Jonas berättade om hur generativ AI påverkar bedömning och fusk.", page=1),
    ],
    people=[Person("Jonas Ekholm", "Göteborgs universitet", "presenter",
                   "2. AI och bedömning (Jonas Ekholm, Göteborgs universitet)")],
    date_source="filename",
)
