"""Why a file was skipped, in Swedish, for the app (the ingest report's reasons are English)."""

from __future__ import annotations

import re

#: (pattern in the English reason, what the app says), first match wins.
_RULES: list[tuple[str, str]] = [
    (r"unsupported file type", "Filtypen stöds inte"),
    (r"encrypted|password", "Filen är krypterad eller lösenordsskyddad; spara en oskyddad kopia"),
    (r"is empty|nothing to index|no text to index", "Filen är tom"),
    (r"no text layer and OCR found no text", "Skannad PDF där textigenkänningen inte hittade någon text"),
    (r"no text layer", "Skannad PDF utan textlager; textigenkänning (OCR) är inte installerad eller misslyckades"),
    (r"holds no text|no main text", "Filen innehåller ingen text att söka i"),
    (r"MB limit|max-file-mb", "Filen är större än gränsen för inläsning"),
    (r"zip bomb|decompression bomb|expands", "Filen packas upp till orimligt mycket data och lästes inte"),
    (r"took longer than", "Läsningen tog för lång tid; filen kan vara skadad"),
    (r"reader process died|could not start the reader", "Läsningen avbröts (slut på minne?)"),
    (r"NUL bytes|control characters|not a PDF|not a valid|is not a", "Filen är inte vad filändelsen säger; kontrollera filtypen"),
    (r"already indexed from", "Samma relativa sökväg finns redan från en annan mapp"),
    (r"corrupt|damaged|cannot be parsed|unreadable", "Filen är skadad och kunde inte läsas"),
    (r"could not read the file", "Filen kunde inte öppnas"),
    (r"already exists", "Det finns redan en fil med samma namn; byt namn eller välj att ersätta"),
    (r"no usable name", "Filnamnet går inte att använda; byt namn på filen"),
    (r"outside the corpus folder", "Filen skulle hamna utanför dokumentmappen"),
]


def _match(reason: str) -> str | None:
    return next((text for pattern, text in _RULES if re.search(pattern, reason, re.IGNORECASE)), None)


def swedish_reason(reason: str) -> str:
    """A short Swedish explanation of an English skip reason ("Filen kunde inte läsas" when unknown)."""
    return _match(reason) or "Filen kunde inte läsas"


def explained(reason: str) -> str:
    """The Swedish explanation followed by the original words, or the words alone when unknown."""
    text = _match(reason)
    return f"{text}. (Detaljer: {reason})" if text else reason
