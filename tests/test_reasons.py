"""Skip reasons from real ingests get a specific Swedish explanation in the app."""

from __future__ import annotations

from pathlib import Path

import pytest

from app_pages.reasons import explained, swedish_reason
from index.build import ingest

from conftest import HASH_CONFIG

BAD_FILES = {
    "tom.txt": (b"", "Filen är tom"),
    "okand.xyz": (b"data", "Filtypen stöds inte"),
    "trasig.pdf": (b"%PDF-1.4\n garbage without objects", "Filen är skadad och kunde inte läsas"),
    "binar.txt": (b"\x00\x01\x02" * 200, "Filen är inte vad filändelsen säger; kontrollera filtypen"),
    "falsk.docx": (b"not a zip at all", "Filen är inte vad filändelsen säger; kontrollera filtypen"),
}


@pytest.fixture(scope="module")
def reasons(tmp_path_factory, hash_embedder) -> dict[str, str]:
    root = tmp_path_factory.mktemp("bad")
    corpus = root / "natverk"
    corpus.mkdir()
    for name, (data, _) in BAD_FILES.items():
        (corpus / name).write_bytes(data)
    (corpus / "bra.md").write_text("# Möte\n\nVi pratade om digitala nationella prov.\n", encoding="utf-8")
    report = ingest([corpus], root / "index", HASH_CONFIG, embedder=hash_embedder)
    return {Path(path).name: reason for path, reason in report.skipped}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_each_real_reason_gets_its_own_explanation(reasons: dict[str, str], name: str) -> None:
    assert name in reasons, reasons
    assert swedish_reason(reasons[name]) == BAD_FILES[name][1], reasons[name]


def test_unknown_reasons() -> None:
    assert swedish_reason("something new went wrong") == "Filen kunde inte läsas"
    assert explained("another ingest is running") == "another ingest is running"
    assert explained("x.pdf: the file is empty (0 bytes)").startswith("Filen är tom. (Detaljer: x.pdf:")
