"""Find the structure of plain meeting text: headings, agenda items and attendance lists."""

from __future__ import annotations

import re

from ingest.models import Section

# Headings that meeting notes use without any markup ("Närvarande:", "Övriga frågor").
_KNOWN_HEADINGS = (
    "närvarande", "deltagare", "närvarolista", "gäster", "gäst", "ej närvarande", "frånvarande",
    "anmält förhinder", "förhinder", "inbjudna", "dagordning", "agenda", "beslut", "beslutades",
    "övriga frågor", "övrigt", "nästa möte", "nästa träff", "nästa möten", "kommande möten",
    "till nästa gång", "sammanfattning", "gruppdiskussion", "diskussion", "mötets öppnande",
    "mötet avslutas", "avslutning", "föregående anteckningar", "syfte", "mål", "roller",
    "arbetsformer", "uppdrag", "bakgrund", "medverkande", "ordförande", "sekreterare",
)
#: Headings that only make sense under an agenda item; they are shown as "Item › Beslut".
_GENERIC = {"beslut", "beslutades", "diskussion", "gruppdiskussion", "sammanfattning", "frågor och svar",
            "frågor", "svar", "reflektioner", "medskick", "kommentarer", "workshop"}
_ATTENDANCE = re.compile(
    r"^(närvarande|deltagare|närvarolista|närvaro|gäster|gäst|inbjudna|ej närvarande|frånvarande|"
    r"anmält förhinder|förhinder|medverkande)\b", re.IGNORECASE)
_AGENDA_ITEM = re.compile(r"^\s*(§\s*\d{1,3}|\d{1,2}[.)]|\d{1,2}\.\d{1,2}\.?)\s+\S")
_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_LETTERS = re.compile(r"[A-Za-zÅÄÖÉÜåäöéü]")


def is_attendance_heading(heading: str) -> bool:
    """True when a heading introduces a list of who attended (personal data)."""
    return bool(_ATTENDANCE.match(heading.strip().lstrip("#").strip()))


def _heading_of(line: str, guess: bool = True) -> tuple[str, str, int] | None:
    """Return (heading, rest-of-line, level) when the line is a heading, else None.

    Markdown headings have their '#' count as level; every other heading counts as 2.

    With ``guess`` False only Markdown headings and the usual headings of meeting notes
    count, not numbered lines or capitals (for text whose markup already marks headings).
    """
    stripped = line.strip()
    if not stripped:
        return None
    md = _MD_HEADING.match(line)
    if md:
        return md.group(2).strip(), "", len(md.group(1))
    if len(stripped) > 110:
        return None
    lowered = stripped.lower()
    for known in _KNOWN_HEADINGS:
        if lowered == known or lowered.rstrip(":") == known:
            return stripped.rstrip(":").strip(), "", 2
        if lowered.startswith(known + ":"):
            return stripped[: len(known)], stripped[len(known) + 1:].strip(), 2
    if not guess:
        return None
    if _AGENDA_ITEM.match(stripped) and not stripped.endswith((".", ",", ";")) and len(stripped) < 100:
        return stripped, "", 2
    letters = _LETTERS.findall(stripped)
    if len(letters) >= 4 and stripped.upper() == stripped and len(stripped) < 60:
        return stripped.rstrip(":"), "", 2
    return None


def _in_numbered_list(numbered: list[bool], lines: list[str], index: int) -> bool:
    """Whether a numbered line sits next to another numbered line (ignoring blank lines)."""
    for step in (-1, 1):
        other = index + step
        while 0 <= other < len(lines) and not lines[other].strip():
            other += step
        if 0 <= other < len(lines) and numbered[other]:
            return True
    return False


#: Joins a sub-heading to its agenda item: "2. GDPR (Mikael Strand, IMY) › Diskussion".
NEST = " › "


def split_sections(text: str, page: int | None = None, heading: str = "",
                   guess: bool | None = None, parent: str = "") -> list[Section]:
    """Split marked or plain text into sections at its headings.

    Lines starting with Markdown '#' marks are headings, and so are the usual headings of
    meeting notes ("Närvarande:", "Övriga frågor"). Text without any '#' heading is plain
    text whose structure must be guessed: there numbered agenda items and short
    all-capital lines are headings too. Text before the first heading becomes a section headed ``heading``.

    Args:
        text: The text, possibly with Markdown heading marks.
        page: Page or slide number given to every section, or None.
        heading: Heading of the text before the first detected heading.
        guess: Whether to guess headings from numbering and capitals; None decides by
            whether the text has any '#' heading.
        parent: The level-2 heading in force at the start (text continued from a page before).
            Deeper headings (###) are shown under it: "Parent › Sub".

    Returns:
        Sections in order; sections without text and heading are dropped.
    """
    sections: list[Section] = []
    current_heading = heading
    if guess is None:
        guess = not any(_MD_HEADING.match(line) for line in text.splitlines())
    lines: list[str] = []

    def flush() -> None:
        body = "\n".join(lines).strip()
        body = re.sub(r"\n{3,}", "\n\n", body)
        if body or current_heading:
            # A heading without text of its own (a parent heading) is kept for the
            # document view; it yields no chunk.
            own = current_heading.rsplit(NEST, 1)[-1]
            kind = "attendance" if is_attendance_heading(own) else "body"
            sections.append(Section(current_heading, body, page=page, kind=kind))
        lines.clear()

    all_lines = text.splitlines()
    numbered = [bool(guess and _AGENDA_ITEM.match(ln.strip())) for ln in all_lines]
    for number, line in enumerate(all_lines):
        found = _heading_of(line, guess)
        if found is not None and numbered[number] and not _MD_HEADING.match(line) \
                and _in_numbered_list(numbered, all_lines, number):
            found = None  # a numbered list, not agenda items: keep its lines as text
        if found is None:
            lines.append(line.rstrip())
            continue
        flush()
        current_heading, rest, level = found
        generic = current_heading.lower().rstrip(":") in _GENERIC
        if level == 2 and not generic:
            parent = "" if is_attendance_heading(current_heading) else current_heading
        elif (level > 2 or generic) and parent and not is_attendance_heading(current_heading):
            current_heading = f"{parent}{NEST}{current_heading}"
        if rest:
            lines.append(rest)
    flush()
    return sections
