"""Tests for the bundled gazetteer of Swedish organisations."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from ingest.gazetteer import DATA_DIR, KINDS, Gazetteer, Organisation, default_gazetteer

COUNTIES = {
    "Stockholms län", "Uppsala län", "Södermanlands län", "Östergötlands län", "Jönköpings län",
    "Kronobergs län", "Kalmar län", "Gotlands län", "Blekinge län", "Skåne län", "Hallands län",
    "Västra Götalands län", "Värmlands län", "Örebro län", "Västmanlands län", "Dalarnas län",
    "Gävleborgs län", "Västernorrlands län", "Jämtlands län", "Västerbottens län", "Norrbottens län",
}
# Municipalities per county (SCB), sums to 290.
MUNICIPALITIES_PER_COUNTY = {
    "Stockholms län": 26, "Uppsala län": 8, "Södermanlands län": 9, "Östergötlands län": 13,
    "Jönköpings län": 13, "Kronobergs län": 8, "Kalmar län": 12, "Gotlands län": 1, "Blekinge län": 5,
    "Skåne län": 33, "Hallands län": 6, "Västra Götalands län": 49, "Värmlands län": 16,
    "Örebro län": 12, "Västmanlands län": 10, "Dalarnas län": 15, "Gävleborgs län": 10,
    "Västernorrlands län": 7, "Jämtlands län": 8, "Västerbottens län": 15, "Norrbottens län": 14,
}


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return default_gazetteer()


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / f"{name}.tsv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def test_municipality_counts(gaz: Gazetteer) -> None:
    municipalities = gaz.by_kind("municipality")
    assert len(municipalities) == 290
    assert len({m.name for m in municipalities}) == 290
    assert {m.county for m in municipalities} == COUNTIES
    per_county: dict[str, int] = {}
    for m in municipalities:
        per_county[m.county or ""] = per_county.get(m.county or "", 0) + 1
    assert per_county == MUNICIPALITIES_PER_COUNTY


def test_region_counts(gaz: Gazetteer) -> None:
    regions = gaz.by_kind("region")
    assert len(regions) == 21
    assert {r.county for r in regions} == COUNTIES


def test_tsv_files_are_well_formed() -> None:
    columns = {
        "municipalities": ["name", "official", "county"],
        "regions": ["name", "variants", "county"],
        "universities": ["name", "variants"],
        "national_bodies": ["name", "variants", "kind"],
    }
    for name, header in columns.items():
        rows = _rows(name)
        assert rows and list(rows[0]) == header, name
        for row in rows:
            assert all(row[c] is not None and row[c] == row[c].strip() for c in header), row
            assert row["name"], row
    assert {row["kind"] for row in _rows("national_bodies")} <= set(KINDS)


def test_every_form_round_trips(gaz: Gazetteer) -> None:
    """Each form resolves to its own organisation (Region Gotland is the documented exception)."""
    for org in gaz.organisations:
        assert org.kind in KINDS
        for form in org.forms:
            found = gaz.lookup(form)
            if org.name == "Region Gotland" and org.kind == "region":
                assert found is not None and found.name == "Region Gotland"
            else:
                assert found == org, (form, found)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Kungälv", "Kungälvs kommun"),
        ("Kungälvs kommun", "Kungälvs kommun"),
        ("kungälvs", "Kungälvs kommun"),
        ("KUNGÄLVS KOMMUN", "Kungälvs kommun"),
        ("Kungälvs kommun, barn- och utbildningsförvaltningen", "Kungälvs kommun"),
        ("Barn- och utbildningsförvaltningen, Kungälvs kommun", "Kungälvs kommun"),
        ("Göteborg", "Göteborgs Stad"),
        ("Göteborgs stad", "Göteborgs Stad"),
        ("Göteborgs Stad", "Göteborgs Stad"),
        ("Mölndal", "Mölndals stad"),
        ("Mölndals stad", "Mölndals stad"),
        ("Västerås", "Västerås stad"),
        ("Stockholm", "Stockholms stad"),
        ("Uppsala", "Uppsala kommun"),
        ("Falun", "Falu kommun"),
        ("Gotland", "Region Gotland"),
        ("Upplands Bro", "Upplands-Bro kommun"),
        ("Upplands-Väsby", "Upplands Väsby kommun"),
        ("Alingsås kommun", "Alingsås kommun"),
        ("Marks kommun", "Marks kommun"),
        ("Region Stockholm", "Region Stockholm"),
        ("VGR", "Västra Götalandsregionen"),
        ("Västra Götalands region", "Västra Götalandsregionen"),
        ("Region Västmanland", "Region Västmanland"),
        ("Mälardalens universitet", "Mälardalens universitet"),
        ("MDH", "Mälardalens universitet"),
        ("MDU", "Mälardalens universitet"),
        ("mdh", "Mälardalens universitet"),
        ("Mälardalens högskola", "Mälardalens universitet"),
        ("GU", "Göteborgs universitet"),
        ("KAU", "Karlstads universitet"),
        ("UU", "Uppsala universitet"),
        ("Chalmers", "Chalmers tekniska högskola"),
        ("Jönköping University", "Jönköping University"),
        ("Handelshögskolan i Stockholm", "Handelshögskolan i Stockholm"),
        ("SKR", "Sveriges Kommuner och Regioner"),
        ("SKL", "Sveriges Kommuner och Regioner"),
        ("Skolverket", "Skolverket"),
        ("Skolverkets", "Skolverket"),
        ("Statens skolverk", "Skolverket"),
        ("SPSM", "Specialpedagogiska skolmyndigheten"),
        ("Datainspektionen", "Integritetsskyddsmyndigheten"),
        ("IMY", "Integritetsskyddsmyndigheten"),
        ("DIGG", "Myndigheten för digital förvaltning"),
        ("Statens medieråd", "Mediemyndigheten"),
        ("GR", "Göteborgsregionen"),
        ("Storsthlm", "Storsthlm"),
        # Context around a single mention.
        ("Anna Berg (Kungälv)", "Kungälvs kommun"),
        ("Helena Welén, undervisningsråd på Skolverket", "Skolverket"),
        ("från Mölndals stad", "Mölndals stad"),
        # Diacritics-insensitive and one-character typos.
        ("Kungalv", "Kungälvs kommun"),
        ("Molndal", "Mölndals stad"),
        ("Goteborgs stad", "Göteborgs Stad"),
        ("Kungälvv", "Kungälvs kommun"),
        ("Mölndall", "Mölndals stad"),
        ("Skolverkte", "Skolverket"),
        ("Stenungsnd", "Stenungsunds kommun"),
        # Negatives: ordinary words, generic nouns, lower-case two-letter words.
        ("Skola", None),
        ("Skolan", None),
        ("Region", None),
        ("Regionen", None),
        ("Stad", None),
        ("Staden", None),
        ("Kommun", None),
        ("Kommunen", None),
        ("Universitet", None),
        ("Högskola", None),
        ("Förskola", None),
        ("Tranan", None),
        ("Klippa", None),
        ("du", None),
        ("do", None),
        ("gu", None),
        ("", None),
        ("   ", None),
    ],
)
def test_lookup(gaz: Gazetteer, text: str, expected: str | None) -> None:
    found = gaz.lookup(text)
    assert (found.name if found else None) == expected


def test_lookup_returns_organisation_details(gaz: Gazetteer) -> None:
    kungalv = gaz.lookup("Kungälv")
    assert isinstance(kungalv, Organisation)
    assert (kungalv.kind, kungalv.county) == ("municipality", "Västra Götalands län")
    assert "Kungälv" in kungalv.variants
    assert gaz.lookup("VGR").kind == "region"  # type: ignore[union-attr]
    assert gaz.lookup("SKR").kind == "association"  # type: ignore[union-attr]
    assert gaz.lookup("GR").kind == "regional_body"  # type: ignore[union-attr]
    assert gaz.lookup("Skolverket").kind == "agency"  # type: ignore[union-attr]


def _names(gaz: Gazetteer, text: str) -> list[tuple[str, str]]:
    return [(text[start:end], org.name) for start, end, org in gaz.find_all(text)]


def test_find_all_attendance_sentence(gaz: Gazetteer) -> None:
    text = ("Närvarande: Anna Berg (Kungälv), Per Olsson (Mölndals stad), Helena Welén, Skolverket, "
            "och Maria Johansson Eklund från MDU")
    assert _names(gaz, text) == [
        ("Kungälv", "Kungälvs kommun"),
        ("Mölndals stad", "Mölndals stad"),
        ("Skolverket", "Skolverket"),
        ("MDU", "Mälardalens universitet"),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ale kommun och Kungälv", [("Ale kommun", "Ale kommun"), ("Kungälv", "Kungälvs kommun")]),
        ("Maja Lindgren (Ale) deltog", [("Ale", "Ale kommun")]),
        ("Ale, Kungälv och Stenungsund samarbetar",
         [("Ale", "Ale kommun"), ("Kungälv", "Kungälvs kommun"), ("Stenungsund", "Stenungsunds kommun")]),
        ("Alingsås och Ale, som använder Google", [("Alingsås", "Alingsås kommun"), ("Ale", "Ale kommun")]),
        ("Kollegor från Sala och Strängnäs", [("Sala", "Sala kommun"), ("Strängnäs", "Strängnäs kommun")]),
        ("Vara kommun och Lunds universitet",
         [("Vara kommun", "Vara kommun"), ("Lunds universitet", "Lunds universitet")]),
        ("Göteborgsregionen (GR) och Västra Götalandsregionen",
         [("Göteborgsregionen", "Göteborgsregionen"), ("GR", "Göteborgsregionen"),
          ("Västra Götalandsregionen", "Västra Götalandsregionen")]),
        ("Region Stockholm och Stockholms stad",
         [("Region Stockholm", "Region Stockholm"), ("Stockholms stad", "Stockholms stad")]),
        ("Högskolan i Borås och Kungälvsskolan", [("Högskolan i Borås", "Högskolan i Borås")]),
        ("SKR:s rapport och Skolverkets stöd",
         [("SKR", "Sveriges Kommuner och Regioner"), ("Skolverkets", "Skolverket")]),
        ("Kungälvs kommuns skolor", [("Kungälvs kommuns", "Kungälvs kommun")]),
        ("Upplands-Bro och Malung-Sälen",
         [("Upplands-Bro", "Upplands-Bro kommun"), ("Malung-Sälen", "Malung-Sälens kommun")]),
    ],
)
def test_find_all_examples(gaz: Gazetteer, text: str, expected: list[tuple[str, str]]) -> None:
    assert _names(gaz, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Vi ska vara på plats i god tid.",
        "Vara med och påverka!",
        "Mark Svensson och Nora Lindqvist presenterade.",
        "Anna Berg och Per Lund deltog.",
        "Eleverna lekte på Mark och i skogen.",
        "Kontakta Nora om Bräcke-projektet.",
        "Kinda of a long meeting, said Sala.",
        "Mejl från Nora och Mark.",
        "skolverket och skr nämndes i förbigående",
        "Alla kommuner, regionen och staden deltog i skolan.",
        "Ale-Sven och Kungälvsskolan",
        "Du kan logga in i Skolon.",
        "Per Olsson, Skara-gruppen, Tranåsvägen 4",
    ],
)
def test_find_all_negatives(gaz: Gazetteer, text: str) -> None:
    assert gaz.find_all(text) == []


def test_load_from_directory_and_cache(tmp_path: Path) -> None:
    assert default_gazetteer() is default_gazetteer()
    for name in ("municipalities", "regions", "universities", "national_bodies"):
        (tmp_path / f"{name}.tsv").write_text((DATA_DIR / f"{name}.tsv").read_text(encoding="utf-8"),
                                              encoding="utf-8")
    loaded = Gazetteer.load(tmp_path)
    assert loaded is not default_gazetteer()
    assert len(loaded.organisations) == len(default_gazetteer().organisations)


def test_module_is_self_contained() -> None:
    source = (Path(__file__).resolve().parents[1] / "ingest" / "gazetteer.py").read_text(encoding="utf-8")
    for forbidden in ("import index", "from index", "streamlit", "click", "from ingest", "import ingest"):
        assert forbidden not in source
