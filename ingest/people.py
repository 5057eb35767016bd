"""People in meeting documents: attendance lists, chairs and note-takers, presenters and speakers."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from ingest.models import Document, Person, Section

_UP, _LO = "A-ZÅÄÖÉÜ", "a-zåäöéüëæøß"
_WORD = rf"[{_UP}][{_LO}]+(?:-[{_UP}][{_LO}]+)?"
_NAME_RE = re.compile(rf"{_WORD}(?:[ \t]+(?:af[ \t]+|von[ \t]+|de[ \t]+|van[ \t]+)?{_WORD}){{1,3}}")
_WORD_RE = re.compile(_WORD)
#: Labels that introduce people ("Närvarande:", "Antecknare:"), checked in this order.
_LABELS: tuple[tuple[str, re.Pattern[str]], ...] = tuple((role, re.compile(pattern, re.I)) for role, pattern in (
    ("absent", r"(?:ej|inte|icke) närvarande|frånvarande|förhindrade?|(?:anmält |anmälda )?förhinder|avbud"),
    ("guest", r"gäst\w*(?: [\wåäö]+){0,4}|inbjud\w*(?: [\wåäö]+){0,4}|medverkande|talare|föreläsare"),
    ("chair", r"(?:mötes)?ordförande|mötesledare|moderator|sammankallande|(?:mötet|träffen) leddes av"),
    ("note_taker", r"antecknare|sekreterare|anteckningar|antecknades av|dokumentation|vid (?:pennan|anteckningarna)"),
    ("coordinator", r"(?:nätverks)?samordnare|processledare"),
    ("present", r"närvarande|deltagare|deltog|närvarolista|från nätverket|medlemmar|med"),
))
#: Role words written beside a name in a list ("Anna Berg (Ale), ordförande").
_MARKERS: tuple[tuple[str, re.Pattern[str]], ...] = tuple((role, re.compile(pattern, re.I)) for role, pattern in (
    ("chair", r"(?<![\w-])(?:(?:mötes)?ordförande\b|ordf\.|mötesledare\b|moderator\b|leder (?:träffen|mötet)\b)"),
    ("note_taker", r"(?<![\w-])(?:antecknare|antecknar|sekreterare)\b"),
    ("coordinator", r"(?<![\w-])(?:(?:nätverks)?samordnare|processledare)\b"),
))
#: When one person gets several attendance roles, the first in this order wins.
_PRIORITY = ("chair", "note_taker", "coordinator", "guest", "present", "absent")
_LABEL = re.compile(r"^[\s•*\-–]*\**([^\W\d][\w /-]{0,40}?)\**\s*:\**\s*(.*)$")
_LED_BY = re.compile(r"^\s*((?:mötet|träffen) leddes av)\s+(.*)$", re.IGNORECASE)
_BULLET = re.compile(r"^\s*(?:[-•*–]|\d{1,2}[.)])\s+")
_SENTENCE = re.compile(rf"(?<=[.!?])\s+(?=[{_UP}*])")
_NOISE = re.compile(r"^(?:via\b|digitalt|på (?:länk|plats|distans)|punkt\b|deltog\b|värd\b|\d)", re.IGNORECASE)
_ENTRY_REST = re.compile(r"\s*(?:$|[(,–—:;-]|(?:från|på|vid|hos)\s)")
_STRONG = r"presenterade(?! sig)|föreläste|höll (?:ett |en )?(?:föredrag|föreläsning|presentation|dragning)"
_VERB = re.compile(rf"\b(?:(?P<strong>{_STRONG})|berättade|redovisade|redogjorde|gick igenom|visade|talade|"
                   r"pratade|beskrev|inledde|sammanfattade|delade|gav en (?:genomgång|lägesbild|uppdatering|"
                   r"introduktion|översikt|bakgrund))\b(?P<speech>\s+(?:med\s+)?att\b)?")
_VERB_FIRST = re.compile(rf"\b(?:{_STRONG}|(?:presenterades|redovisades) av)\s+(?=[{_UP}])")
_CLAUSE = re.compile(r"(?<=[.!?])\s+|:\s+|\n\s*(?:[-•*–]|\d{1,2}[.)])\s*|\n\s*\n")
_FIRST_SUBJECT = re.compile(rf"{_WORD}(?:\s*\([^()]*\))?(?:\s*(?:,|och)\s*{_WORD}(?:\s*\([^()]*\))?)*\s*")
_COORDINATED = re.compile(r"(?:,\s*och|\s+och|,)\s+(?=[A-ZÅÄÖÉÜ])")
_APPOSITIVE = re.compile(r"\s*(?:,\s*[^,]+,|\([^()]*\)|från\s)")
_ROLE_DEED = re.compile(rf"(?:^|(?<=[.,;:!?])\s+|\n)({_WORD}(?:[ \t]+{_WORD}){{0,3}})\s+"
                        r"(?:(?P<chair>ledde (?:mötet|träffen)|var (?:mötes)?ordförande)|antecknade|"
                        r"förde (?:minnes)?anteckningar(?:na)?|skrev(?: (?:minnes)?anteckningarna)?)"
                        r"(?=\s*(?:[.,;!]|och\b|$))")
_AGENDA = re.compile(r"dagordning|agenda|program", re.IGNORECASE)
_HEAD_PAREN = re.compile(r"\(([^()]*)\)\s*$")
_HEAD_DASH = re.compile(rf"\s[–—-]\s+({_NAME_RE.pattern}\s*,\s*[^,–—()]+)\s*$")


def _gazetteer():  # noqa: ANN202 - the gazetteer ships with the project; tolerate a trimmed install
    try:
        from ingest.gazetteer import default_gazetteer
    except ImportError:
        return None
    return default_gazetteer()


@lru_cache(maxsize=8192)
def _organisation(raw: str | None) -> str | None:
    """The canonical organisation a text names ("Kungälv" -> "Kungälvs kommun"), or None."""
    text = re.sub(r"\s+", " ", raw or "").strip(" .,;:()")
    gaz = _gazetteer()
    if len(text) < 2 or gaz is None:
        return None
    found = gaz.find_all(text)
    if found:
        return found[0][2].name
    org = gaz.lookup(text) if text[0].isupper() else None
    return org.name if org is not None else None


@lru_cache(maxsize=8192)
def _org_starts(text: str) -> bool:
    """Whether an organisation name starts the text ("Lilla Edet, ...", "Sveriges Kommuner och ...")."""
    gaz = _gazetteer()
    found = gaz.find_all(text) if gaz is not None else []
    return bool(found) and found[0][0] == 0


def _name_at(text: str, pos: int = 0) -> str | None:
    """The person's name starting at ``pos`` (two to four capitalised words, not an organisation)."""
    match = _NAME_RE.match(text, pos)
    if match is None or _org_starts(text[pos:pos + 60]):
        return None
    return re.sub(r"\s+", " ", match.group(0))


def _label_role(label: str, heading: bool = False) -> str | None:
    """The role a label or heading introduces ("Ej närvarande" -> "absent"), or None."""
    key = re.sub(r"\s+", " ", label.strip(" :*#.").lower())
    if heading and key in ("anteckningar", "dokumentation", "med"):
        return None
    return next((role for role, pattern in _LABELS if pattern.fullmatch(key)), None)


def _continues(prev: str, line: str) -> bool:
    """Whether ``line`` continues a list entry that wrapped at the end of ``prev``."""
    if _BULLET.match(line) or _LABEL.match(line) or _LED_BY.match(line) or _label_role(line):
        return False
    if prev.count("(") > prev.count(")") or prev.endswith((",", " och")) or line[0] == "(" or line[0].islower():
        return True
    last, first = re.split(r"[,;)]", prev)[-1].strip(), re.split(r"[,;(]", line)[0].strip()
    return any(_WORD_RE.fullmatch(part) and _organisation(part) is None for part in (last, first))


def _entries(text: str) -> list[str]:
    """Split a list into entries at semicolons and at commas or "och" that precede a name."""
    entries, start = [], 0
    for match in re.finditer(r";|,\s*(?:och\s+|samt\s+)?|\s+(?:och|samt)\s+", text):
        depth = text.count("(", 0, match.start()) - text.count(")", 0, match.start())
        if depth <= 0 and (match.group(0) == ";" or _name_at(text, match.end())):
            entries.append(text[start:match.start()])
            start = match.end()
    return [e for e in (*entries, text[start:]) if e.strip()]


def _entry_person(entry: str, role: str, home: str | None) -> Person | None:
    """One list entry ("Helena Welén, undervisningsråd, Skolverket (punkt 2)") as a person."""
    entry = re.sub(r"^(?:och|samt)\s+", "", entry.strip(" \t-•*–.:"))
    name = _name_at(entry)
    rest = entry[_NAME_RE.match(entry).end():] if name else ""
    if name is None or not (_ENTRY_REST.match(rest) or any(p.fullmatch(rest.strip()) for _, p in _MARKERS)):
        return None
    if role in ("present", "guest", "absent"):
        role = next((r for r, pattern in _MARKERS if pattern.search(rest)), role)
    parts = [p.strip(" .") for m in re.finditer(r"\(([^()]*)\)|[^(),;]+", rest)  # "(a, b)" and "– c" pieces
             for p in re.split(r"," if m.lastindex else r"\s[–—-]\s|^\s*[–—-]\s", m.group(m.lastindex or 0))]
    parts = [p for p in parts if p and not _NOISE.match(p) and not any(pt.search(p) for _, pt in _MARKERS)]
    at = next((i for i, p in enumerate(parts) if _organisation(p)), None)
    org = _organisation(parts[at]) if at is not None else (home if parts else None)
    title = next((p for p in parts[:at] if p[0].islower()), None) if at else None
    return Person(name, org, role, "", title)


def parse_people_list(text: str, role: str | None, home: str | None = None) -> list[Person]:
    """People in a list like "Anna Berg (Kungälv), Per Olsson (Mölndals stad)".

    Entries may be comma, semicolon or line separated, wrap across lines and carry role
    words ("(Mölndal, ordförande)", "– antecknare"). Labels ("Gäster:", "Antecknare:",
    "Mötet leddes av") set the role for their line, or for the lines below a bare label.

    Args:
        text: The list text.
        role: The role of unlabelled entries, or None to take only labelled ones.
        home: The organisation of entries that name only an internal unit
            ("(utbildningsförvaltningen)"), e.g. the municipality a network belongs to.

    Returns:
        The people in list order, organisations normalised to canonical gazetteer names.
    """
    lines: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if lines and line and lines[-1] and _continues(lines[-1], line):
            lines[-1] += " " + line
        else:
            lines.append(line)
    people: list[Person] = []
    pending: str | None = None  # the role of a bare label ("Inbjudna talare:") for the lines below it
    for line in lines:
        found = False
        for sentence in _SENTENCE.split(line):
            label = _LED_BY.match(sentence) or _LABEL.match(sentence)
            if label is not None:
                current, rest = _label_role(label.group(1)), label.group(2)
            elif _label_role(sentence):
                current, rest = _label_role(sentence), ""
            else:
                current, rest = pending or role, sentence
            if current and not rest.strip():
                pending, found = current, True
            for entry in _entries(rest) if current else []:
                if (person := _entry_person(entry, current, home)) is not None:
                    people.append(person)
                    found = True
        if not found:
            pending = None
    return people


def _heading_people(heading: str) -> tuple[bool, list[list]]:
    """Whether a heading names who presents it, and the [name, organisation] pairs it names."""
    match = _HEAD_PAREN.search(heading) or _HEAD_DASH.search(heading)
    if match is None or (match.re is _HEAD_DASH and not _organisation(match.group(1).rsplit(",", 1)[1])):
        return False, []
    pairs: list[list] = []
    for part in re.split(r"\s*(?:;|,\s*och\s+|,|\s+och\s+|&)\s*", match.group(1)):
        if _NAME_RE.fullmatch(part) and _name_at(part):
            pairs.append([part, None])
        elif org := _organisation(part):
            for pair in reversed(pairs):
                if pair[1] is not None:
                    break
                pair[1] = org
    return bool(pairs) or match.group(1)[:1].islower(), pairs


def _item_headings(sections: list[Section]) -> list[str]:
    """The agenda item of each section: wrapped headings joined, sub-headings ("Item › Beslut") cut."""
    merged: list[str] = []
    for i, section in enumerate(sections):
        heading = section.heading.split(" › ")[0].strip()
        prev = merged[-1] if merged else ""
        if i and heading == sections[i - 1].heading.split(" › ")[0].strip():
            heading = prev
        elif prev.count("(") > prev.count(")") and heading.count(")") > heading.count("("):
            heading, old = f"{prev} {heading}", prev
            merged = [heading if h == old else h for h in merged]
        merged.append(heading)
    return merged


def _sentence_presenters(text: str, named: set[str], marked: bool,
                         resolve: Callable[[str], str | None]) -> list[tuple[str, str | None]]:
    """Presenters named in running text, as (name, organisation) pairs.

    "presenterade" and the like always count ("Linnea och Peter presenterade ...", "presenterades
    av Anna Berg"); milder verbs ("berättade om", "gick igenom") count for a name with a title or
    organisation beside it ("Helena Welén, undervisningsråd på Skolverket, berättade om ..."), for
    the people the heading names and under a heading that marks a talk without naming anyone.
    First names resolve to the document's full names. "berättade att" reports speech, not a talk.
    """
    found: list[tuple[str, str | None]] = []
    for clause in _CLAUSE.split(text):
        clause = re.sub(r"\s+", " ", clause).strip(" •-*")
        for match in _VERB_FIRST.finditer(clause):
            word, full = _WORD_RE.match(clause, match.end()), _name_at(clause, match.end())
            if word and (name := full or resolve(word.group(0))):
                tail = clause[match.end() + len(full) if full else word.end():][:80]
                cut = next((m.start() for m in _COORDINATED.finditer(tail) if _name_at(tail, m.end())), len(tail))
                found.append((name, _organisation(tail[:cut])))
        verb = _VERB.search(clause)
        if verb is None or verb.group("speech") or verb.start() > 220 or re.search(r"\batt\b", clause[:verb.start()]):
            continue
        subject = clause[:verb.start()]
        if not _name_at(subject) and not _FIRST_SUBJECT.fullmatch(subject):
            continue
        starts = [0] + [m.end() for m in _COORDINATED.finditer(subject) if _name_at(subject, m.end())
                        or (word := _WORD_RE.match(subject, m.end())) and resolve(word.group(0))]
        people, org, appositive = [], None, False  # "Anna Berg och Per Olsson från Ale" share "från Ale"
        for start, end in reversed(list(zip(starts, [*starts[1:], len(subject)], strict=True))):
            name, word = _name_at(subject, start), _WORD_RE.match(subject, start)
            after = subject[start + len(name) if name else word.end():end]
            if not re.fullmatch(r"[\s,]*(?:och\s*)?", after):
                org, appositive = _organisation(after), bool(name) and bool(_APPOSITIVE.match(after))
            full = name or resolve(word.group(0))
            if full and (verb.group("strong") or appositive or full in named or (marked and not named)):
                people.append((full, org))
        found += reversed(people)
    return found


def _title_slide_presenter(section: Section) -> Person | None:
    """The presenter on a deck's title slide: a name line followed by role/organisation lines."""
    lines = [ln.strip(" •-") for ln in section.text.splitlines() if ln.strip()]
    for i, line in enumerate(lines[:6]):
        head = line.split(",")[0].strip()
        if _NAME_RE.fullmatch(head) and _name_at(head):
            rest = [p.strip() for p in line.split(",")[1:]] + lines[i + 1:i + 3]
            org = next((o for o in map(_organisation, rest) if o), None)
            title = next((p.split(",")[0].strip() for p in rest if p[:1].islower() or "," in p), None)
            return Person(head, org, "presenter", section.heading, title)
    return None


def _home_municipality(network: str | None) -> str | None:
    """The municipality a network is named after ("uppsala-ikt" -> "Uppsala kommun"), or None."""
    gaz = _gazetteer()
    for part in (network or "").split("-"):
        org = gaz.lookup(part) if gaz is not None and len(part) >= 3 else None
        if org is not None and org.kind == "municipality":
            return org.name
    return None


def extract_people(doc: Document, sidecar_presenters: list[dict] | None = None) -> list[Person]:
    """Everyone the document names with a role: attendance, chair, note-taker, presenters.

    Attendance comes from attendance sections and labelled lines anywhere ("Närvarande: …",
    "Ordförande: …", "Mötet leddes av …", "Sofia ledde mötet"); each attendee gets one role,
    the most specific. Presenters come from the sidecar, headings ("2. AI (Jonas Ekholm, GU)"),
    agenda lines, running text (see ``_sentence_presenters``) and, for decks, the title slide;
    a presenter appears once per (name, agenda item). Each person keeps one organisation:
    the sidecar's, else the attendance lists', else the headings', else the running text's.

    Args:
        doc: The document with its sections.
        sidecar_presenters: ``presenters:`` from ``<file>.meta.yaml``, as name/organisation dicts.

    Returns:
        Attendees first, then presenters in reading order.
    """
    home = _home_municipality(doc.network)
    items = _item_headings(doc.sections)
    attendees: list[Person] = []
    presenters = [Person(str(e["name"]).strip(), _organisation(e.get("organisation")) or e.get("organisation"),
                         "presenter", "", e.get("title")) for e in sidecar_presenters or [] if e.get("name")]
    trusted = list(presenters)
    heads: list[tuple[bool, set[str]]] = []
    for item, section in zip(items, doc.sections, strict=True):
        role = _label_role(section.heading.split(" › ")[-1], heading=True)
        role = role or ("present" if section.kind == "attendance" else None)
        attendees += parse_people_list(section.text, role, home)
        marked, pairs = _heading_people(item)
        heads.append((marked, {name for name, _ in pairs}))
        presenters += [Person(name, org, "presenter", item) for name, org in pairs]
    roster = {p.name for p in attendees + presenters}

    def resolver(index: int) -> Callable[[str], str | None]:
        local = re.sub(r"\s+", " ", items[index] + " " + doc.sections[index].text)

        def resolve(first: str) -> str | None:
            candidates = sorted(n for n in roster if n.split()[0] == first)
            near = [n for n in candidates if n in local]
            return near[0] if len(near) == 1 else candidates[0] if len(candidates) == 1 else None
        return resolve

    for i, section in enumerate(doc.sections):
        for match in _ROLE_DEED.finditer(section.text):
            if name := _name_at(match.group(1)) or resolver(i)(match.group(1)):
                attendees.append(Person(name, None, "chair" if match.group("chair") else "note_taker"))
        for name, org in _sentence_presenters(section.text, heads[i][1], heads[i][0], resolver(i)):
            presenters.append(Person(name, org, "presenter", items[i]))
            roster.add(name)
        for line in section.text.splitlines() if _AGENDA.search(items[i]) else []:  # "1. Dataskydd (Anna Berg, IMY)"
            if _BULLET.match(line):
                presenters += [Person(n, o, "presenter", line.strip()) for n, o in _heading_people(line.strip())[1]
                               if n not in {p.name for p in presenters}]
    if doc.doc_type == "presentation" and not presenters and doc.sections and doc.sections[0].page == 1:
        presenters += [p for p in [_title_slide_presenter(doc.sections[0])] if p]
    org_of: dict[str, str] = {}
    titles: dict[str, str] = {}
    for person in trusted + attendees + presenters:
        if person.organisation:
            org_of.setdefault(person.name, person.organisation)
        if person.title:
            titles.setdefault(person.name, person.title)
    best: dict[str, Person] = {}
    for person in attendees:
        held = best.get(person.name)
        if held is None or _PRIORITY.index(person.role) < _PRIORITY.index(held.role):
            best[person.name] = person
    first_seen = {(p.name, p.section): p for p in reversed(presenters)}
    result = list(best.values()) + [p for p in presenters if first_seen[(p.name, p.section)] is p]
    for person in result:
        person.organisation = org_of.get(person.name, person.organisation)
        person.title = person.title or titles.get(person.name)
    return result
