"""The `arkiv` command line: thin commands that call the library and render its results."""

from __future__ import annotations

import functools
import json
import os
import sys
from pathlib import Path

import click

from arkiv.options import filter_options
from ingest.config import DEFAULT_EMBEDDER, IngestConfig
from ingest.errors import ArkivError
from ingest.models import DOC_TYPE_LABELS

DEFAULT_INDEX = "data/index"


def index_path(value: str | None) -> Path:
    """The index store: --index, else ARKIV_INDEX, else data/index."""
    return Path(value or os.environ.get("ARKIV_INDEX") or DEFAULT_INDEX)


def clean_errors(func):
    """Turn library errors into one clean line on stderr and exit code 1."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except ArkivError as exc:
            click.echo(f"arkiv: error: {exc}", err=True)
            sys.exit(1)

    return wrapper


index_option = click.option("--index", "index_dir", metavar="DIR", default=None,
                            help=f"Index folder (default: $ARKIV_INDEX or {DEFAULT_INDEX}).")
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")


def _echo_json(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Nätverksarkivet: search the meeting documentation of school-digitalisation networks."""


def _progress_printer():
    """A progress line on stderr when it is a terminal; silent otherwise."""
    interactive = sys.stderr.isatty()
    labels = {"read": "reading", "embed": "embedding", "index": "indexing"}
    last = {"stage": None}

    def show(stage: str, done: int, total: int) -> None:
        if not interactive:
            return
        width = 30
        filled = int(width * done / total) if total else width
        sys.stderr.write(f"\r{labels.get(stage, stage):<10} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()
        last["stage"] = stage

    return show


def _run_ingest(paths, index_dir, embedder, chunk_tokens, chunk_overlap, max_file_mb, no_attendance, batch_size,
                as_json, rebuild) -> None:
    from index.build import ingest

    config = IngestConfig(embedder=embedder, chunk_tokens=chunk_tokens, chunk_overlap=chunk_overlap,
                          max_file_mb=max_file_mb, index_attendance=not no_attendance, batch_size=batch_size)
    roots = [Path(p) for p in (paths or ("corpus",))]
    report = ingest(roots, index_path(index_dir), config, on_progress=_progress_printer(), rebuild=rebuild)
    if as_json:
        _echo_json({**report.__dict__, "skipped": [{"path": p, "reason": r} for p, r in report.skipped],
                    "notes": [{"path": p, "note": n} for p, n in report.notes]})
        return
    click.echo(f"files read: {report.files}  documents: {report.documents}  chunks: {report.chunks}")
    click.echo(f"added: {len(report.added)}  updated: {len(report.updated)}  removed: {len(report.removed)}  "
               f"unchanged: {report.unchanged}  skipped: {len(report.skipped)}")
    click.echo(f"embedded: {report.embedded}  from cache: {report.cached}  seconds: {report.seconds:.1f}")
    for label, items in (("added", report.added), ("updated", report.updated), ("removed", report.removed)):
        for path in items[:50]:
            click.echo(f"  {label}: {path}")
    for path, reason in report.skipped:
        click.echo(f"  skipped: {path}: {reason}")
    for path, note in report.notes:
        click.echo(f"  note: {path}: {note}")
    if not report.published:
        click.echo("index unchanged")


def ingest_options(func):
    for option in reversed([
        click.argument("paths", nargs=-1, type=click.Path()),
        index_option,
        click.option("--embedder", default=DEFAULT_EMBEDDER, show_default=True,
                     help="multilingual-e5-small, sentence-transformers:<name or path>, or hash (fast fake)."),
        click.option("--chunk-tokens", default=IngestConfig.chunk_tokens, show_default=True, type=int,
                     help="Longest chunk in model tokens."),
        click.option("--chunk-overlap", default=IngestConfig.chunk_overlap, show_default=True, type=int,
                     help="Tokens shared by consecutive chunks of a long section."),
        click.option("--max-file-mb", default=IngestConfig.max_file_mb, show_default=True, type=float,
                     help="Skip files larger than this."),
        click.option("--no-attendance", is_flag=True,
                     help="Keep attendance lists out of the searchable text (people pages still use them)."),
        click.option("--batch-size", type=click.IntRange(1, 65536), default=None,
                     help="Texts per embedding batch (default: the embedder's own: 32, or 256 on a GPU)."),
        json_option,
    ]):
        func = option(func)
    return func


@main.command("ingest")
@ingest_options
@clean_errors
def ingest_cmd(paths, index_dir, embedder, chunk_tokens, chunk_overlap, max_file_mb, no_attendance, batch_size,
               as_json):
    """Read new and changed files under PATHS (default corpus/) into the index."""
    _run_ingest(paths, index_dir, embedder, chunk_tokens, chunk_overlap, max_file_mb, no_attendance, batch_size,
                as_json, False)


@main.command("rebuild")
@ingest_options
@clean_errors
def rebuild_cmd(paths, index_dir, embedder, chunk_tokens, chunk_overlap, max_file_mb, no_attendance, batch_size,
                as_json):
    """Rebuild the index from scratch from PATHS (default corpus/), e.g. with another embedder."""
    _run_ingest(paths, index_dir, embedder, chunk_tokens, chunk_overlap, max_file_mb, no_attendance, batch_size,
                as_json, True)


def build_filters(archive, date_from, date_to, networks, doc_types, person, org):
    from index.filters import make_filters

    return make_filters(archive, date_from=date_from, date_to=date_to, networks=networks,
                        doc_types=doc_types, person=person, org=org)


def _render_hit(number: int, hit) -> None:
    from index.snippets import split_marks

    where = hit.section or ""
    if hit.page:
        where = f"{where} (s. {hit.page})" if where else f"s. {hit.page}"
    click.echo(click.style(f"{number}. {hit.title}", bold=True) +
               f"  [{hit.date_label or 'odaterad'} · {DOC_TYPE_LABELS.get(hit.doc_type, hit.doc_type)}"
               f"{' · ' + hit.network if hit.network else ''}]")
    if where:
        click.echo(f"   {where}")
    snippet = "".join(click.style(t, fg="yellow", bold=True) if m else t for t, m in split_marks(hit.snippet))
    click.echo(f"   {snippet}")
    click.echo(f"   {hit.path}  ({hit.chunk_id}, score {hit.score:.4f})")
    for source in hit.sources:
        click.echo(f"   same text also in: {source['title']} ({source['date_label'] or 'odaterad'}) {source['path']}")
    for more in hit.more:
        click.echo(f"     + {more.section or ''} {('s. ' + str(more.page)) if more.page else ''} ({more.chunk_id})")


@main.command("search")
@click.argument("query", required=False)
@index_option
@click.option("-k", "k", default=10, show_default=True, type=click.IntRange(1, 1000), help="Number of results.")
@click.option("--queries", type=click.File("r", encoding="utf-8"), help="Run one query per line of FILE.")
@click.option("--method", type=click.Choice(["hybrid", "dense", "bm25"]), default="hybrid", show_default=True)
@click.option("--no-collapse", is_flag=True, help="Show several hits of one document separately.")
@click.option("--thesaurus/--no-thesaurus", default=None,
              help="Expand every query with the thesaurus's synonyms and acronyms, or none. "
                   "Default: keyword queries of up to 4 words are expanded, sentences are not.")
@click.option("--no-feedback", is_flag=True,
              help="Skip pseudo-relevance feedback (hybrid search adds the telling words of its first "
                   "3 documents to the BM25 query by default).")
@filter_options
@json_option
@clean_errors
def search_cmd(query, index_dir, k, queries, method, no_collapse, thesaurus, no_feedback, date_from, date_to,
               networks, doc_types, person, org, as_json):
    """Search the archive for QUERY."""
    from index.archive import Archive
    from index.search import DEFAULT_RANKING, search

    ranking = {None: DEFAULT_RANKING, True: DEFAULT_RANKING.expanding_all(),
               False: DEFAULT_RANKING.without_expansion()}[thesaurus]
    if no_feedback:
        ranking = ranking.without_feedback()
    if (query is None) == (queries is None):
        raise click.UsageError("give either a QUERY or --queries FILE")
    archive = Archive.open(index_path(index_dir))
    filters = build_filters(archive, date_from, date_to, networks, doc_types, person, org)
    lines = [query] if queries is None else [ln.strip() for ln in queries if ln.strip()]
    for line in lines:
        result = search(archive, line, k=k, filters=filters, method=method, collapse=not no_collapse,
                        ranking=ranking)
        if as_json:
            _echo_json(result.to_json())
            continue
        click.echo(f"{len(result.hits)} results for {line!r} in {result.took_ms:.0f} ms")
        if result.expanded:
            click.echo(f"also searched for (thesaurus): {', '.join(result.expanded)}")
        for number, hit in enumerate(result.hits, start=1):
            _render_hit(number, hit)
        if not result.hits:
            click.echo("no results; try fewer words or remove filters")


@main.command("stats")
@index_option
@json_option
@clean_errors
def stats_cmd(index_dir, as_json):
    """Documents, chunks, embedder and size of the index."""
    from index.archive import Archive

    stats = Archive.open(index_path(index_dir)).stats()
    if as_json:
        _echo_json(stats)
        return
    click.echo(f"index:      {stats['index']} ({stats['generation']})")
    click.echo(f"documents:  {stats['documents']}")
    click.echo(f"chunks:     {stats['chunks']}")
    click.echo(f"embedder:   {stats['embedder']} ({stats['dim']} dimensions, {stats['vector_index']} index)")
    click.echo(f"networks:   {', '.join(stats['networks']) or '-'}")
    click.echo(f"period:     {stats['period'][0] or '-'} .. {stats['period'][1] or '-'}")
    click.echo(f"size:       {stats['index_bytes'] / 1048576:.1f} MB")
    click.echo(f"last ingest: {stats['last_ingest']}")
    click.echo(f"skipped:    {len(stats['skipped'])}")
    for item in stats["skipped"]:
        click.echo(f"  {item['path']}: {item['reason']}")


@main.command("eval")
@index_option
@click.option("--labels", type=click.Path(exists=True, file_okay=False), default="tests/data/labels",
              show_default=True, help="Folder of labeled question files.")
@click.option("--misses", is_flag=True, help="List the questions each method did not answer first.")
@json_option
@clean_errors
def eval_cmd(index_dir, labels, misses, as_json):
    """Compare retrieval methods on the labeled questions (recall, MRR, nDCG, first hit)."""
    from index.archive import Archive
    from index.evaluation import evaluate, format_table, load_questions, query_kinds, subset

    archive = Archive.open(index_path(index_dir))
    questions = load_questions(Path(labels))
    scores = evaluate(archive, questions)
    groups = query_kinds(questions)
    if as_json:
        _echo_json({"questions": len(questions), "methods": [s.row() | {"missed": s.missed} for s in scores],
                    "groups": {name: {"questions": len(ids), "methods": [s.row() for s in subset(scores, ids)]}
                               for name, ids in groups.items() if ids}})
        return
    click.echo(format_table(scores, len(questions)))
    if all(groups.values()):  # both kinds present
        for name, ids in groups.items():
            click.echo(f"\n{name.capitalize()}:\n")
            click.echo(format_table(subset(scores, ids), len(ids)))
    if misses:
        for s in scores:
            click.echo(f"{s.name}: not first for {', '.join(s.missed) or 'none'}")


# --- commands defined in other modules of this package register themselves below ---
from arkiv.cli_people import register as _register_people; _register_people(main)  # noqa: E402
from arkiv.cli_analysis import register as _register_analysis; _register_analysis(main)  # noqa: E402
from arkiv.cli_admin import register as _register_admin; _register_admin(main)  # noqa: E402


if __name__ == "__main__":
    main()
