"""The archive and embedder the app's sessions share, and ingests started from the app."""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from index.archive import Archive
from index.build import IngestReport, ingest
from index.storage import Manifest, current_generation, generation_token
from ingest.config import IngestConfig
from ingest.embedding import load_embedder
from ingest.errors import ArkivError, UnreadableFileError
from ingest.uploads import SavedFile, UploadMeta, check_upload, prune_folders, save_upload, undo_saves

ROOT = Path(__file__).resolve().parent.parent


def store_path() -> Path:
    """The index store: $ARKIV_INDEX, else data/index beside the app."""
    return Path(os.environ.get("ARKIV_INDEX") or ROOT / "data" / "index")


def corpus_path() -> Path:
    """The folder the index is built from on first start: $ARKIV_CORPUS, else corpus/."""
    return Path(os.environ.get("ARKIV_CORPUS") or ROOT / "corpus")


def embedder_spec() -> str:
    """The embedder for a first build: $ARKIV_EMBEDDER, else the default e5 model."""
    return os.environ.get("ARKIV_EMBEDDER") or IngestConfig.embedder


@st.cache_resource(show_spinner="Laddar språkmodellen …")
def shared_embedder(name: str):
    """The embedding model, loaded once per process and shared by all sessions (it holds a lock)."""
    return load_embedder(name)


@st.cache_resource(show_spinner="Öppnar arkivet …", max_entries=2)
def shared_archive(store: str, generation: str):
    """The opened index of one generation; a new generation gives a new cache entry.

    An ingest writes a new generation beside the live one and switches CURRENT only when it
    is complete, so sessions keep searching this one meanwhile; the next rerun after the
    switch sees a new token and opens the new one. The previous entry stays cached (and its
    files on disk) so a search already running on it can finish.
    """
    gen = current_generation(Path(store))
    manifest = Manifest.load(gen) if gen else None
    return Archive.open(Path(store), shared_embedder(manifest.embedder) if manifest else None)


def current_archive() -> Archive | None:
    """The live archive, or None when no index exists yet (checked on every rerun: one small file read)."""
    token = generation_token(store_path())
    if token is None:
        return None
    try:
        return shared_archive(str(store_path()), token)
    except ArkivError:
        # The generation was replaced between reading CURRENT and opening it: open the new one.
        token = generation_token(store_path())
        return shared_archive(str(store_path()), token) if token else None


def build_index_ui() -> None:
    """Build the index from the corpus folder on first start, with a progress bar."""
    corpus = corpus_path()
    if not corpus.is_dir():
        st.warning(f"Arkivet har inget index och mappen `{corpus}` finns inte. "
                   "Lägg dokument där eller ange ARKIV_CORPUS, och läs in dem med `arkiv ingest`.")
        return
    st.info(f"Arkivet har inget index ännu. Det byggs nu från dokumenten i `{corpus}`; "
            "det tar någon minut första gången.")
    try:
        run_ingest([corpus])
    except ArkivError as exc:
        st.error(f"Indexet kunde inte byggas: {exc}")
        return
    st.rerun()


def run_ingest(paths: list[Path]) -> None:
    bar = st.progress(0.0, text="Läser dokument …")
    labels = {"read": "Läser dokument", "embed": "Skapar vektorer", "index": "Bygger index"}

    def progress(stage: str, done: int, total: int) -> None:
        bar.progress(min(done / total, 1.0) if total else 1.0, text=f"{labels.get(stage, stage)} … {done}/{total}")

    spec = embedder_spec()
    report = ingest(paths, store_path(), IngestConfig(embedder=spec), embedder=shared_embedder(spec),
                    on_progress=progress)
    bar.progress(1.0, text=f"Klart: {report.documents} dokument, {report.chunks} textavsnitt.")


def store_ingest_config() -> IngestConfig:
    """Settings for an ingest from the app: the live index's embedder and chunking, else the defaults."""
    gen = current_generation(store_path())
    if gen is None:
        return IngestConfig(embedder=embedder_spec())
    manifest = Manifest.load(gen)
    chunking = manifest.chunking
    return IngestConfig(embedder=manifest.embedder, chunk_tokens=chunking.get("chunk_tokens", 256),
                        chunk_overlap=chunking.get("chunk_overlap", 32),
                        index_attendance=chunking.get("index_attendance", True))


def add_documents(uploads: list[tuple[str, bytes, UploadMeta]], overwrite: bool = False,
                  on_progress=None) -> tuple[IngestReport, list[SavedFile]]:
    """Save uploads into the corpus (``uppladdat/<network>/``) and ingest them; all or nothing.

    Every file is checked before any is written. When the ingest fails, or any file is
    skipped by it, the written files are removed (replaced ones restored) and the index is
    left as it was.

    Raises:
        ArkivError: naming the file and the problem; nothing was added.
    """
    config = store_ingest_config()
    checked = [(check_upload(name, data, config.max_file_mb), data, meta) for name, data, meta in uploads]
    corpus = corpus_path()
    saved: list[SavedFile] = []
    try:
        for name, data, meta in checked:
            saved.append(save_upload(corpus, name, data, meta, overwrite))
        folders = sorted({item.path.parent for item in saved})
        embedder = shared_embedder(config.embedder)
        report = ingest(folders, store_path(), config, embedder=embedder, on_progress=on_progress)
        failed = [(path, reason) for path, reason in report.skipped
                  if any(item.path.as_posix().endswith("/" + path) for item in saved)]
        if failed:
            undo_saves(saved, prune=False)
            saved = []
            ingest(folders, store_path(), config, embedder=embedder)  # the index as it was before
            prune_folders(folders)
            raise UnreadableFileError(f"{failed[0][0]}: {failed[0][1]}")
    except BaseException:
        undo_saves(saved)
        raise
    return report, saved
