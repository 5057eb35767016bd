"""Files added through the app: safe names, checked types and sizes, saved with a metadata sidecar.

An upload is written into the corpus folder the index is built from, under
``uppladdat/<network>/``, so that the next ``arkiv ingest`` of the corpus sees the same file
with the same id. Nothing here touches the index; the app ingests the saved files and calls
``undo_saves`` when that fails, which leaves the corpus (and so the index) as it was.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import yaml

from ingest.errors import ConfigError, UnreadableFileError, UnsupportedFileError
from ingest.metadata import UNKNOWN_NETWORK, UPLOAD_DIR, Metadata, extract_metadata, guess_network
from ingest.models import DOC_TYPES, ParsedFile
from ingest.pipeline import SIDECAR_SUFFIX
from ingest.readers import SUPPORTED_SUFFIXES
from ingest.worker import shared_reader

#: Longest file name stem kept (file systems allow 255 bytes; UTF-8 letters take two).
MAX_STEM = 120
_WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}
_NETWORK = re.compile(r"[^a-z0-9åäöéü]+")
#: What the first bytes of a binary format must look like.
_ZIP_MEMBER = {".docx": "word/document.xml", ".pptx": "ppt/presentation.xml"}


@dataclass(frozen=True)
class UploadMeta:
    """Metadata a person gave or corrected for one upload; None leaves a field to detection.

    Attributes:
        title: The document's title.
        date: Meeting or document date, ISO YYYY-MM-DD.
        network: The network's name or slug ("gr-digitalisering"); also names the folder.
        doc_type: One of DOC_TYPES.
    """

    title: str | None = None
    date: str | None = None
    network: str | None = None
    doc_type: str | None = None

    def __post_init__(self) -> None:
        if self.date is not None:
            try:
                dt.date.fromisoformat(self.date)
            except ValueError:
                raise ConfigError(f"the date {self.date!r} is not a date; write it as YYYY-MM-DD") from None
        if self.doc_type is not None and self.doc_type not in DOC_TYPES:
            raise ConfigError(f"unknown document type {self.doc_type!r}; use one of {', '.join(DOC_TYPES)}")
        if self.title is not None and len(self.title) > 300:
            raise ConfigError(f"the title is {len(self.title)} characters long; keep it under 300")

    def sidecar(self) -> dict:
        """The ``<file>.meta.yaml`` mapping: the fields that are set."""
        values = {"title": self.title, "date": self.date, "network": network_slug(self.network),
                  "type": self.doc_type}
        return {k: v for k, v in values.items() if v not in (None, "")}


@dataclass(frozen=True)
class SavedFile:
    """One upload written into the corpus, with what it replaced (for undo).

    Attributes:
        path: The document file written.
        sidecar: Its metadata sidecar.
        previous: The bytes of the file it replaced, or None when it is new.
        previous_sidecar: The bytes of the sidecar it replaced, or None.
    """

    path: Path
    sidecar: Path
    previous: bytes | None = None
    previous_sidecar: bytes | None = None


def safe_name(name: str) -> str:
    """A file name that is safe to write into the corpus.

    Folders are dropped (a browser may send "C:\\\\Users\\\\...\\\\x.pdf" or "../../x.pdf"),
    control characters go, characters other than letters, digits and ``-_.,() `` become
    "_", leading dots and spaces go (no hidden files), and the stem is shortened.

    Raises:
        ConfigError: when nothing usable is left.
    """
    base = unicodedata.normalize("NFC", name.replace("\\", "/").split("/")[-1])
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    base = "".join(ch if ch.isalnum() or ch in "-_.,() " else "_" for ch in base)
    base = re.sub(r"\s+", " ", base).strip(" .").lstrip("-")
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = stem.strip(" .")[:MAX_STEM].rstrip(" .")
    if not stem:
        raise ConfigError(f"the file name {name!r} has no usable name left after removing unsafe characters; "
                          "rename the file")
    if stem.split(".")[0].lower() in _WINDOWS_RESERVED:
        stem = "_" + stem
    return f"{stem}.{suffix.lower()}" if suffix else stem


def network_slug(network: str | None) -> str | None:
    """A network name as a folder-safe slug: "GR Digitalisering" -> "gr-digitalisering"."""
    if not network:
        return None
    slug = _NETWORK.sub("-", unicodedata.normalize("NFC", network).strip().lower()).strip("-")
    return slug[:60] or None


def check_upload(name: str, data: bytes, max_file_mb: float) -> str:
    """Check an upload's name, type and size before anything is written; return its safe name.

    Raises:
        UnsupportedFileError: for a type the archive cannot read, or content that is not
            what the suffix says (a renamed executable, a PDF that is not a PDF).
        ConfigError: for an unusable name, an empty file, or one over the size cap.
    """
    safe = safe_name(name)
    suffix = PurePosixPath(safe).suffix
    if suffix not in SUPPORTED_SUFFIXES or safe.endswith(SIDECAR_SUFFIX):
        kinds = ", ".join(sorted({s.lstrip(".") for s in SUPPORTED_SUFFIXES}))
        raise UnsupportedFileError(
            f"{safe}: unsupported file type {suffix or '(no suffix)'!r}; the archive reads {kinds}")
    if not data:
        raise ConfigError(f"{safe}: the file is empty (0 bytes)")
    if len(data) > max_file_mb * 1048576:
        raise ConfigError(f"{safe}: {len(data) / 1048576:.1f} MB is over the {max_file_mb:g} MB limit for a file")
    if suffix == ".pdf" and b"%PDF-" not in data[:1024]:
        raise UnsupportedFileError(f"{safe}: the file is not a PDF (no %PDF header); check that it is the right file")
    if suffix in _ZIP_MEMBER:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                members = set(archive.namelist())
        except (zipfile.BadZipFile, ValueError):
            members = set()
        if _ZIP_MEMBER[suffix] not in members:
            raise UnsupportedFileError(f"{safe}: the file is not a {suffix[1:].upper()} document; check that it is "
                                       "the right file")
    return safe


def probe_upload(name: str, data: bytes, timeout_s: float) -> tuple[ParsedFile, Metadata]:
    """Read an upload as the ingest will, and the metadata detected in it (to prefill a form).

    Raises:
        UnsupportedFileError, UnreadableFileError: when it cannot be read within ``timeout_s``.
    """
    try:
        parsed = shared_reader().read(data, name, timeout_s)
    except OSError as exc:
        raise UnreadableFileError(f"{name}: could not start the reader ({exc})") from exc
    guessed = guess_network(name)
    rel = f"{UPLOAD_DIR}/{guessed or UNKNOWN_NETWORK}/{name}"
    meta = extract_metadata(parsed, rel, {"network": guessed} if guessed else None)
    return parsed, meta


def upload_folder(corpus: Path, meta: UploadMeta) -> Path:
    """Where an upload with this metadata is saved: ``<corpus>/uppladdat/<network or okänt>/``."""
    return corpus / UPLOAD_DIR / (network_slug(meta.network) or UNKNOWN_NETWORK)


def save_upload(corpus: Path, name: str, data: bytes, meta: UploadMeta, overwrite: bool = False) -> SavedFile:
    """Write one checked upload and its sidecar into the corpus, each atomically.

    Raises:
        ConfigError: when a file of that name exists and ``overwrite`` is False, or the
            target would lie outside the corpus.
    """
    folder = upload_folder(corpus, meta)
    target = folder / safe_name(name)
    root = corpus.resolve()
    if root not in target.resolve().parents:
        raise ConfigError(f"{name}: the upload would be written outside the corpus folder {corpus}; refused")
    sidecar = target.with_name(target.name + SIDECAR_SUFFIX)
    previous = target.read_bytes() if target.is_file() else None
    if previous is not None and not overwrite:
        raise ConfigError(f"{target.name}: a file of that name already exists in {folder}; rename yours, or allow "
                          "replacing existing files")
    previous_sidecar = sidecar.read_bytes() if sidecar.is_file() else None
    folder.mkdir(parents=True, exist_ok=True)
    _write(target, data)
    _write(sidecar, yaml.safe_dump(meta.sidecar(), allow_unicode=True, sort_keys=False).encode("utf-8"))
    return SavedFile(target, sidecar, previous, previous_sidecar)


def undo_saves(saved: list[SavedFile], prune: bool = True) -> None:
    """Put the corpus back as it was before ``saved`` were written (restoring replaced files).

    Args:
        saved: What save_upload wrote.
        prune: Also remove upload folders left empty (False keeps them, e.g. for an ingest
            of those folders that records the removal; call prune_folders afterwards).
    """
    for item in reversed(saved):
        for path, before in ((item.path, item.previous), (item.sidecar, item.previous_sidecar)):
            if before is None:
                path.unlink(missing_ok=True)
            else:
                _write(path, before)
    if prune:
        prune_folders(sorted({item.path.parent for item in saved}))


def prune_folders(folders: list[Path]) -> None:
    """Remove upload folders (``.../uppladdat/<network>``) that are empty, and ``uppladdat`` when it is."""
    for folder in folders:
        while folder.name and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
            if folder.name == UPLOAD_DIR:
                break
            folder = folder.parent


def _write(path: Path, data: bytes) -> None:
    """Write through a hidden temporary file (ingest ignores hidden names) and rename."""
    tmp = path.with_name(f".{path.name}.upload-tmp")
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
