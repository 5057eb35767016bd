"""People in meeting documents: attendance lists, chairs and note-takers, presenters and speakers."""

from __future__ import annotations

import re

from ingest.models import Document, Person, Section

_NAME_WORD = r"[A-ZÅÄÖÉÜ][a-zåäöéüëæøß]+(?:-[A-ZÅÄÖÉÜ][a-zåäöéüëæøß]+)?"
_NAME = rf"{_NAME_WORD}(?:\s+(?:af\s+|von\s+|de\s+)?{_NAME_WORD}){{1,3}}"
_NAME_RE = re.compile(rf"^{_NAME}$")
_ITEM = re.compile(rf"({_NAME})\s*(?:\(([^()]{{2,80}})\)|,\s*([^,;\n()]{{2,80}}))?")
_HEADING_PRESENTER = re.compile(rf"\(\s*({_NAME})(?:\s*(?:,|och|&)\s*({_NAME}))?\s*,\s*([^()]{{2,80}})\)\s*$")
_SPEAKER = re.compile(
    rf"({_NAME}),\s+([^,.\n]{{3,80}}?)\s+(?:på|vid|från|i|hos)\s+([^,.\n]{{2,80}}?),?\s+"
    r"(?:berättade|presenterade|föreläste|visade|inledde|beskrev|redogjorde|talade|gick igenom|pratade)")
_FROM = re.compile(
    rf"({_NAME})(?:\s+och\s+({_NAME}))?\s+från\s+([A-ZÅÄÖ][^,.\n]{{1,60}}?)\s+"
    r"(?:berättade|presenterade|föreläste|visade|inledde|beskrev|redogjorde|talade|gick igenom|pratade)")
_ROLE_LINE = re.compile(
    r"^\s*(ordförande|mötesordförande|sekreterare|antecknare|antecknades av|vid pennan|"
    r"samordnare|nätverkssamordnare|processledare|sammankallande)\s*:?\s*(.+)$", re.IGNORECASE | re.MULTILINE)
_ROLE_WORDS = {"ordförande": "chair", "mötesordförande": "chair", "sammankallande": "chair",
               "sekreterare": "note_taker", "antecknare": "note_taker", "antecknades av": "note_taker",
               "vid pennan": "note_taker", "samordnare": "coordinator", "nätverkssamordnare": "coordinator",
               "processledare": "coordinator"}
_NOT_NAMES = {"Övriga Frågor", "Nästa Möte", "Digitala Nationella", "Göteborgs Universitet"}


def _organisation(raw: str | None) -> str | None:
    """The canonical organisation for a raw mention, via the gazetteer when it knows it."""
    if not raw:
        return None
    raw = raw.strip().strip(".").strip()
    if not raw:
        return None
    try:
        from ingest.gazetteer import default_gazetteer

        org = default_gazetteer().lookup(raw)
        if org is not None:
            return org.name
        for _, _, org in default_gazetteer().find_all(raw):
            return org.name
    except ImportError:  # the gazetteer ships with the project; tolerate a trimmed install
        pass
    return raw


def _attendance_role(heading: str) -> str:
    lowered = heading.lower()
    if re.search(r"\b(ej närvarande|frånvarande|förhinder|anmält)", lowered):
        return "absent"
    if re.search(r"\b(gäst|gäster|inbjudna|medverkande)", lowered):
        return "guest"
    return "present"


def parse_people_list(text: str, role: str) -> list[Person]:
    """People in a list like "Anna Berg (Kungälv), Per Olsson (Mölndals stad)"."""
    people: list[Person] = []
    for item in re.split(r"[;\n]|,(?![^()]*\))(?=\s*[A-ZÅÄÖ][a-zåäö]+\s+[A-ZÅÄÖ])", text):
        item = item.strip(" -•\t")
        match = _ITEM.match(item)
        if not match:
            continue
        name = match.group(1).strip()
        if name in _NOT_NAMES:
            continue
        org_text = match.group(2) or match.group(3)
        title = None
        if org_text and "," in org_text:  # "(rektor, Kungälvs kommun)"
            first, _, rest = org_text.partition(",")
            title, org_text = first.strip(), rest.strip()
        people.append(Person(name, _organisation(org_text), role, "", title))
    return people


def _presenters_in_section(section: Section) -> list[Person]:
    found: list[Person] = []
    match = _HEADING_PRESENTER.search(section.heading)
    if match:
        org = _organisation(match.group(3))
        for name in (match.group(1), match.group(2)):
            if name:
                found.append(Person(name, org, "presenter", section.heading))
    for match in _SPEAKER.finditer(section.text):
        found.append(Person(match.group(1), _organisation(match.group(3)), "presenter",
                            section.heading, match.group(2).strip()))
    for match in _FROM.finditer(section.text):
        org = _organisation(match.group(3))
        for name in (match.group(1), match.group(2)):
            if name:
                found.append(Person(name, org, "presenter", section.heading))
    return found


def _title_slide_presenter(doc: Document) -> list[Person]:
    """The presenter named on a deck's title slide: a name line followed by role/organisation lines."""
    first = doc.sections[0] if doc.sections else None
    if first is None or first.page != 1:
        return []
    lines = [ln.strip(" •-") for ln in first.text.splitlines() if ln.strip()]
    for i, line in enumerate(lines):
        head = line.split(",")[0].strip()
        if _NAME_RE.match(head) and head not in _NOT_NAMES:
            rest = [p.strip() for p in line.split(",")[1:]] + lines[i + 1:i + 3]
            org = None
            for candidate in rest:
                org = _organisation(candidate)
                if org and org != candidate.strip().strip("."):
                    break
                org = None
            if org is None and rest:
                org = _organisation(rest[-1]) if len(rest) == 1 else None
            return [Person(head, org, "presenter", first.heading)]
    return []


def extract_people(doc: Document, sidecar_presenters: list[dict] | None = None) -> list[Person]:
    """Everyone the document names with a role: attendance, chair, note-taker, presenters.

    Sidecar presenters (``presenters:`` in ``<file>.meta.yaml``) are added first and win.
    A person appears once per (name, role, section).
    """
    people: list[Person] = []
    for entry in sidecar_presenters or []:
        people.append(Person(str(entry["name"]).strip(), _organisation(entry.get("organisation")),
                             "presenter", "", entry.get("title")))
    for section in doc.sections:
        if section.kind == "attendance":
            people.extend(parse_people_list(section.text, _attendance_role(section.heading)))
        for match in _ROLE_LINE.finditer(section.heading + "\n" + section.text):
            role = _ROLE_WORDS[match.group(1).lower()]
            people.extend(parse_people_list(match.group(2), role))
        people.extend(_presenters_in_section(section))
    if doc.doc_type == "presentation" and not any(p.role == "presenter" for p in people):
        people.extend(_title_slide_presenter(doc))
    unique: dict[tuple[str, str, str], Person] = {}
    for person in people:
        key = (person.name.lower(), person.role, person.section if person.role == "presenter" else "")
        if key not in unique:
            unique[key] = person
        elif unique[key].organisation is None and person.organisation:
            unique[key].organisation = person.organisation
    return list(unique.values())
