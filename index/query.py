"""Query understanding: dates and terms, quoted phrases and who-questions read from the query text."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

_MONTHS = {name: i for i, names in enumerate((
    (), ("januari", "january", "jan"), ("februari", "february", "feb"), ("mars", "march", "mar"),
    ("april", "apr"), ("maj", "may"), ("juni", "june", "jun"), ("juli", "july", "jul"),
    ("augusti", "august", "aug"), ("september", "sept", "sep"), ("oktober", "october", "okt", "oct"),
    ("november", "nov"), ("december", "dec")), start=0) for name in names}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
#: A four-digit year that is a year, not part of a number, a law reference ("SFS 2018:218") or a name.
_YEAR = r"(?<![\w:/.])(?<![^\W\d_]-)(?:19|20)\d{2}(?![\w:/]|\.\d|-\d{1,2}(?!\d))"
_SHORT = r"(?:(?:19|20)\d{2}|'?\d{2})"
_SPRING = r"vt|vår(?:terminen|en)?|spring"
_AUTUMN = r"ht|höst(?:terminen|en)?|autumn|fall"
_LEAD = r"(?:(?<![\w-])(?:i|under|år|på|in|during)\s+)?"
#: Date expressions, most specific first; each pattern names the groups ``_range`` reads.
_DATE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple((kind, re.compile(p, re.IGNORECASE)) for kind, p in (
    ("between", rf"\b(?:mellan|between)\s+(?P<a>{_YEAR})\s+(?:och|and)\s+(?P<b>{_YEAR})"),
    ("span", rf"{_LEAD}(?P<a>{_YEAR})\s*(?:[–—-]|\s(?:till|to)\s)\s*(?P<b>{_YEAR})"),
    ("term", rf"{_LEAD}(?<![\w-])(?:(?P<spring>{_SPRING})|(?P<autumn>{_AUTUMN}))[\s-]?(?P<a>{_SHORT})(?![\w:-])"),
    ("month", rf"{_LEAD}(?<![\w-])(?P<month>{_MONTH})\.?\s+(?P<a>{_YEAR})"),
    ("since", rf"\b(?:sedan|since|från och med|fr\.?o\.?m\.?|from|från)\s+(?P<a>{_YEAR})"),
    ("after", rf"\b(?:efter|after)\s+(?P<a>{_YEAR})"),
    ("before", rf"\b(?:före|innan|before)\s+(?P<a>{_YEAR})"),
    ("until", rf"\b(?:till och med|t\.?o\.?m\.?|fram till|until|up to)\s+(?P<a>{_YEAR})"),
    ("year", rf"{_LEAD}(?P<a>{_YEAR})"),
))
#: Words before a year that make it part of a name ("Agenda 2030", "Windows 2000"), not a time.
_NAME_BEFORE_YEAR = re.compile(r"(?:agenda|windows|office|iso|sfs|vision|mål|strategi)\s*$", re.IGNORECASE)
_DAY_BEFORE = re.compile(r"(?<![\w.])\d{1,2}\.?\s*$")
_DAY_MONTH_BEFORE = re.compile(rf"(?<![\w.])\d{{1,2}}\.?\s*(?:{_MONTH})\.?\s*$", re.IGNORECASE)
_PHRASE = re.compile(r"[\"“”„«»]([^\"“”„«»]*)[\"“”„«»]")
_QUESTION_WORD = re.compile(r"^\s*(?:(?P<who>vem|vilka|vilken|vilket|who|which)\b)", re.IGNORECASE)
#: Verbs of presenting and speaking (Swedish and English) that make "vem ..." a question about people.
_SPEAK = re.compile(
    r"\b(?:prata\w*|talade|talat|talar|tala|presenter\w*|föreläs\w*|föreläst\w*|berätta\w*|redovis\w*|redogj\w*|"
    r"(?:gick|gått|går|gå) igenom|höll|hållit|håller|tog upp|tagit upp|tar upp|visade|visat|beskrev|beskrivit|"
    r"inledde|delade med sig|fråga|kontakta|kan mest|vet mest|har koll|(?:är|var) expert\w*|expert\w*|"
    r"present\w*|spoke|speak\w*|talk\w*|lectur\w*|gave|discuss\w*|knows?|explained)\b", re.IGNORECASE)
#: Nouns right after "vilka"/"which" (one adjective allowed) that make the question ask for people.
_PEOPLE_NOUN = re.compile(r"\s+(?:[\w-]+\s+)?(?:personer|person|talare|talarna|föreläsare|föreläsarna|"
                          r"forskare|forskaren|experter|experten|presentatörer|presentatören|"
                          r"people|speakers?|presenters?|experts?|researchers?)\b", re.IGNORECASE)
_ABOUT = re.compile(r"^(?:\S+\s+){0,4}?(?:om|kring|angående|rörande|on|about|regarding)\s+", re.IGNORECASE)
_FROM_ORG = re.compile(r"\b(?:från|på|vid|hos|from|at)\s+(?P<org>[A-ZÅÄÖ][\w:-]*(?:\s+[A-ZÅÄÖ][\w:-]*){0,3})")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class QueryUnderstanding:
    """What a query says besides its theme.

    Attributes:
        original: The query as typed.
        text: What is embedded and matched: the query without date expressions, quote marks
            and, for a who-question, the question words ("vem har pratat om").
        date_from: Earliest date the query asks for, ISO (inclusive), or None.
        date_to: Latest date the query asks for, ISO (inclusive), or None.
        dates: The date expressions as written ("HT23", "hösten 2022").
        phrases: Quoted phrases that a chunk must contain (case-insensitive).
        is_who: Whether the query asks who presented or spoke on something.
        theme: The theme asked about (equal to ``text``; named for readers of who-questions).
        organisation: For a who-question naming one ("vem från Skolverket ..."), the
            organisation's canonical name; otherwise None.
    """

    original: str
    text: str
    date_from: str | None = None
    date_to: str | None = None
    dates: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
    is_who: bool = False
    theme: str = ""
    organisation: str | None = None

    @property
    def has_dates(self) -> bool:
        return bool(self.date_from or self.date_to)

    @property
    def changed(self) -> bool:
        """Whether understanding did anything beyond tidying whitespace."""
        return bool(self.has_dates or self.phrases or self.is_who)

    def to_json(self) -> dict:
        return {"text": self.text, "date_from": self.date_from, "date_to": self.date_to, "dates": list(self.dates),
                "phrases": list(self.phrases), "is_who": self.is_who, "theme": self.theme,
                "organisation": self.organisation}


def _year(text: str) -> int:
    digits = text.strip("'")
    if len(digits) == 2:
        return 2000 + int(digits) if int(digits) < 70 else 1900 + int(digits)
    return int(digits)


def _range(kind: str, match: re.Match[str]) -> tuple[str | None, str | None]:
    """The inclusive ISO range one date expression stands for."""
    a = _year(match.group("a"))
    if kind in ("between", "span"):
        b = _year(match.group("b"))
        a, b = min(a, b), max(a, b)
        return f"{a}-01-01", f"{b}-12-31"
    if kind == "term":
        return (f"{a}-01-01", f"{a}-06-30") if match.group("spring") else (f"{a}-07-01", f"{a}-12-31")
    if kind == "month":
        month = _MONTHS[match.group("month").lower()]
        return f"{a}-{month:02d}-01", f"{a}-{month:02d}-{calendar.monthrange(a, month)[1]:02d}"
    return {"since": (f"{a}-01-01", None), "after": (f"{a + 1}-01-01", None), "before": (None, f"{a - 1}-12-31"),
            "until": (None, f"{a}-12-31")}.get(kind, (f"{a}-01-01", f"{a}-12-31"))


def _take_dates(text: str) -> tuple[str, list[tuple[str | None, str | None]], list[str]]:
    """The text without its date expressions, their ranges, and the expressions as written."""
    ranges: list[tuple[str | None, str | None]] = []
    found: list[str] = []
    for kind, pattern in _DATE_PATTERNS:
        pieces, last = [], 0
        for match in pattern.finditer(text):
            if kind == "year" and _NAME_BEFORE_YEAR.search(text[:match.start()]):
                continue
            if kind == "month" and _DAY_BEFORE.search(text[:match.start()]) or kind == "year" and (
                    _DAY_MONTH_BEFORE.search(text[:match.start()])):
                continue  # "2 februari 2025" is a date the text talks about, not a period to search in
            ranges.append(_range(kind, match))
            found.append(match.group(0).strip())
            pieces.append(text[last:match.start()])
            last = match.end()
        text = " ".join(pieces) + " " + text[last:] if pieces else text
    return text, ranges, found


def _span(ranges: list[tuple[str | None, str | None]]) -> tuple[str | None, str | None]:
    """One range covering every expression ("vt 2023 och ht 2024" spans both); open ends stay open."""
    if not ranges:
        return None, None
    starts, ends = [r[0] for r in ranges], [r[1] for r in ranges]
    return (None if None in starts else min(starts)), (None if None in ends else max(ends))


def _who(text: str) -> tuple[bool, str, str | None]:
    """Whether the text asks who spoke on something, the theme asked about, and an organisation named.

    "vem"/"who" needs a verb of speaking within the next few words ("vem från Skolverket har
    pratat om"); "vilka"/"vilken"/"which" needs a people noun right after it ("vilka föreläsare")
    or "har"/"som" and such a verb ("vilka har presenterat"), so "vilka krav ställs" and
    "vilka resultat visade kartläggningen" stay ordinary questions.
    """
    head = _QUESTION_WORD.match(text)
    if head is None:
        return False, text, None
    after = text[head.end():]
    verb = _SPEAK.search(after)
    if head.group("who").lower() in ("vem", "who"):
        cut = verb if verb is not None and verb.start() <= 60 else None
    else:
        noun = _PEOPLE_NOUN.match(after)
        auxiliary = re.match(r"\s+(?:har|hade|som|ska|kan|have|has|had|can)\s", after, re.IGNORECASE)
        if noun:
            cut = verb if verb is not None and verb.start() <= noun.end() + 30 else noun
        else:
            cut = verb if auxiliary and verb is not None and verb.start() <= 30 else None
    if cut is None:
        return False, text, None
    rest = after[cut.end():].lstrip()
    about = _ABOUT.match(rest)
    return True, _tidy(rest[about.end():] if about else rest), _organisation(after[:cut.start()])


def _organisation(text: str) -> str | None:
    """The organisation named by "från X" between the question word and the verb, if the gazetteer knows it."""
    match = _FROM_ORG.search(text)
    if match is None:
        return None
    from ingest.gazetteer import default_gazetteer

    org = default_gazetteer().lookup(match.group("org"))
    return org.name if org is not None else None


def _tidy(text: str, keep_end: bool = False) -> str:
    """Whitespace collapsed, no space before punctuation, no dangling separators at the ends.

    Args:
        text: What is left of a query.
        keep_end: Keep a final "?", "!" or "." (it is part of how the question is embedded).
    """
    text = re.sub(r"\s+([?!.,;:])", r"\1", _SPACE.sub(" ", text)).strip(" \t\n,;:–—-")
    return text if keep_end else text.strip(" ?!.")


def understand_query(query: str) -> QueryUnderstanding:
    """Read dates, quoted phrases and who-questions out of a query.

    "AI 2024" searches "AI" in 2024; "vt 2023", "hösten 2022", "HT23", "mars 2024",
    "2021–2023", "sedan 2022" become date ranges (terms: spring January–June, autumn
    July–December); a year inside a name ("Agenda 2030") or a law reference stays text.
    Quoted phrases must occur in a chunk. "Vem har pratat om X?", "vilka har presenterat X",
    "who presented on X" are who-questions with the theme X.

    Args:
        query: The query as typed.

    Returns:
        The understanding; ``text`` falls back to the query itself when nothing else is left.
    """
    phrases = tuple(dict.fromkeys(_tidy(p) for p in _PHRASE.findall(query) if len(_tidy(p)) >= 2))
    text = _PHRASE.sub(lambda m: f" {m.group(1)} ", query)
    text, ranges, found = _take_dates(text)
    date_from, date_to = _span(ranges)
    is_who, theme, organisation = _who(_tidy(text))
    if is_who and theme:
        text = theme
    elif ranges or phrases:  # what was read out leaves gaps; the rest keeps its punctuation ("AI 2024?" -> "AI?")
        text = _tidy(text, keep_end=True) or _tidy(query.replace('"', " ")) or query
    else:  # nothing read out: the query is searched exactly as typed
        text = query
    return QueryUnderstanding(query, text, date_from, date_to, tuple(found), phrases, is_who, text, organisation)


def is_who_question(query: str) -> bool:
    """Whether the query asks who presented or spoke on a theme ("vem pratade om GDPR?")."""
    return understand_query(query).is_who


def question_theme(query: str) -> str:
    """The theme of a query without question words and dates ("vem pratade om AI 2024?" -> "AI")."""
    return understand_query(query).text


def fold_phrase(text: str) -> str:
    """Text as phrase matching compares it: case-folded, runs of whitespace as one space."""
    return _SPACE.sub(" ", text).casefold().strip()
