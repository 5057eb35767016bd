"""`arkiv similar`, `arkiv trends` and `arkiv themes`: thin commands over index.similar, trends, themes.

arkiv/cli.py registers them with ``register(main)``. This module imports arkiv.cli only
when a command runs, so importing either module first works.
"""

from __future__ import annotations

import functools
import sys

import click

from arkiv.options import scope_options

_index_option = click.option("--index", "index_dir", metavar="DIR", default=None,
                             help="Index folder (default: $ARKIV_INDEX or data/index).")
_json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
_csv_option = click.option("--csv", "as_csv", is_flag=True,
                           help="Print CSV rows (source document and date in every row).")


def _base():
    from arkiv import cli

    return cli


def _clean(func):
    """The main CLI's error handling (one line `arkiv: error: ...`, exit 1), looked up when run."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return _base().clean_errors(func)(*args, **kwargs)

    return wrapper


def _open(index_dir, date_from=None, date_to=None, networks=(), doc_types=()):
    from index.archive import Archive
    from index.filters import make_filters

    archive = Archive.open(_base().index_path(index_dir))
    return archive, make_filters(archive, date_from=date_from, date_to=date_to, networks=networks,
                                 doc_types=doc_types)


@click.command("similar")
@click.argument("chunk_id", required=False)
@click.option("--doc", "doc_id", metavar="DOC_ID", help="Compare a whole document instead of one section.")
@click.option("--text", metavar="TEXT", help="Compare pasted text (a draft agenda); '-' reads standard input.")
@_index_option
@click.option("-k", "k", default=10, show_default=True, type=click.IntRange(1, 1000), help="Number of meetings.")
@click.option("--order", type=click.Choice(["best", "newest"]), default="best", show_default=True,
              help="Most similar first, or newest meeting first.")
@click.option("--method", type=click.Choice(["hybrid", "dense"]), default="hybrid", show_default=True,
              help="Similarity of meaning fused with shared words (hybrid), or meaning alone.")
@scope_options
@_json_option
@_csv_option
@_clean
def similar_cmd(chunk_id, doc_id, text, index_dir, k, order, method, date_from, date_to, networks, doc_types,
                as_json, as_csv):
    """Meetings that discussed what section CHUNK_ID (or --doc, or --text) discusses."""
    from index.export import rows_to_csv, similar_rows
    from index.similar import similar_to_chunk, similar_to_document, similar_to_text

    if sum(x is not None for x in (chunk_id, doc_id, text)) != 1:
        raise click.UsageError("give exactly one of CHUNK_ID, --doc DOC_ID or --text TEXT")
    archive, filters = _open(index_dir, date_from, date_to, networks, doc_types)
    options = {"k": k, "order": order, "filters": filters, "method": method}
    if chunk_id is not None:
        result = similar_to_chunk(archive, chunk_id, **options)
    elif doc_id is not None:
        result = similar_to_document(archive, doc_id, **options)
    else:
        result = similar_to_text(archive, sys.stdin.read() if text == "-" else text, **options)
    if as_json:
        _base()._echo_json(result.to_json())
        return
    if as_csv:
        click.echo(rows_to_csv(similar_rows(result)), nl=False)
        return
    source = result.source
    about = f"{source.title} ({source.date_label or 'odaterad'})" if source.title else repr(source.text[:60])
    if source.section:
        about += f", {source.section}"
    click.echo(f"{len(result.hits)} meetings with similar discussions to {about} in {result.took_ms:.0f} ms")
    for number, similar in enumerate(result.hits, start=1):
        _base()._render_hit(number, similar.hit)
        click.echo(f"   shared words: {', '.join(similar.shared_terms) or '-'}  (similarity {similar.similarity:.3f})")
    if not result.hits:
        click.echo("no other meetings to compare with; remove filters")


@click.command("trends")
@click.argument("themes", nargs=-1, required=True)
@_index_option
@click.option("--by", type=click.Choice(["year", "term"]), default="year", show_default=True,
              help="Count per year, or per term (VT = Jan-Jun, HT = Jul-Dec).")
@scope_options
@click.option("--margin", type=float, default=None,
              help="Similarity above the corpus median a section needs (default 0.05, cosine).")
@click.option("--lexical-only", is_flag=True, help="Count only sections that use the theme's words or synonyms.")
@click.option("--sections", "period", metavar="PERIOD", help="Also list the matching sections of one period.")
@_json_option
@_csv_option
@_clean
def trends_cmd(themes, index_dir, by, date_from, date_to, networks, doc_types, margin, lexical_only, period,
               as_json, as_csv):
    """Meetings per year or term that discuss each THEME, and their share."""
    from index.export import rows_to_csv, trend_document_rows
    from index.theme_match import DEFAULT_CALIBRATION, Calibration
    from index.trends import period_sections, trends

    calibration = Calibration(margin=None if lexical_only else margin if margin is not None else DEFAULT_CALIBRATION.margin)
    archive, filters = _open(index_dir, date_from, date_to, networks, doc_types)
    results = trends(archive, list(themes), by, filters, calibration)
    if as_json:
        data = {"by": by, "trends": [t.to_json() for t in results]}
        if period:
            data["sections"] = {t.theme: [s.to_json() for s in period_sections(archive, t, period)] for t in results}
        _base()._echo_json(data)
        return
    if as_csv:
        click.echo(rows_to_csv(trend_document_rows(archive, results)), nl=False)
        return
    for result in results:
        _render_trend(result)
        if period:
            for number, section in enumerate(period_sections(archive, result, period), start=1):
                why = " + ".join(w for w, on in (("words", section.lexical), ("meaning", section.semantic)) if on)
                _base()._render_hit(number, section.hit)
                click.echo(f"   matched by {why}")


def _render_trend(result) -> None:
    words = ", ".join(result.phrasings[:8]) + (" ..." if len(result.phrasings) > 8 else "")
    semantic = (f"similarity to {result.query!r} >= {result.threshold:.3f} (median {result.median:.3f} + "
                f"{result.threshold - result.median:.3f})" if result.threshold != float("inf") else "words only")
    click.echo(click.style(result.theme, bold=True) + f"  (by {result.by}; words: {words}; {semantic})")
    click.echo(f"  {'period':<9} {'meetings':>8} {'matching':>8} {'share':>6}   sections")
    for p in result.points:
        share = f"{p.share:.2f}" if p.share is not None else "-"
        click.echo(f"  {p.period:<9} {p.meetings:>8} {p.matching_meetings:>8} {share:>6}   "
                   f"{p.matching_sections}/{p.sections}")
    if result.year_only:
        click.echo(f"  ({result.year_only} documents dated only by their year belong to no term and are left out)")


@click.command("themes")
@_index_option
@click.option("-k", "k", default=None, type=click.IntRange(1, 200), help="Number of themes (default: from the corpus size).")
@click.option("--by", type=click.Choice(["year", "term"]), default="year", show_default=True)
@scope_options
@click.option("--theme", "theme_id", type=int, default=None, help="List the sections of one theme (its number).")
@_json_option
@_csv_option
@_clean
def themes_cmd(index_dir, k, by, date_from, date_to, networks, doc_types, theme_id, as_json, as_csv):
    """Automatic themes of the archive: labels, size and share of sections over time."""
    from index.export import rows_to_csv, theme_rows
    from index.themes import find_themes, theme_sections
    from index.trends import theme_trends

    archive, filters = _open(index_dir, date_from, date_to, networks, doc_types)
    model = find_themes(archive, k)
    points = theme_trends(archive, model, by, filters)
    chosen = [t for t in model.themes if theme_id is None or t.theme_id == theme_id]
    if theme_id is not None and not chosen:
        raise click.BadParameter(f"there is no theme {theme_id}; use 0..{len(model.themes) - 1}", param_hint="--theme")
    if as_json:
        _base()._echo_json({"k": model.k, "by": by, "themes": [
            {**t.to_json(), "periods": [p.to_json() for p in points.get(t.theme_id, [])],
             **({"sections": [h.to_json() for h in theme_sections(archive, t)]} if theme_id is not None else {})}
            for t in chosen]})
        return
    if as_csv:
        click.echo(rows_to_csv(theme_rows(archive, model, points)), nl=False)
        return
    for theme in chosen:
        click.echo(click.style(f"{theme.theme_id}. {theme.label}", bold=True) +
                   f"  ({theme.size} sections, {len(theme.doc_ids)} documents"
                   f"{', attendance lists' if theme.attendance else ''})")
        click.echo(f"   also: {', '.join(theme.words[4:10]) or '-'}")
        if theme.theme_id in points:
            click.echo("   share of sections: " + "  ".join(
                f"{p.period} {p.section_share:.2f}" if p.section_share is not None else f"{p.period} -"
                for p in points[theme.theme_id]))
    if theme_id is not None:
        for number, hit in enumerate(theme_sections(archive, chosen[0]), start=1):
            _base()._render_hit(number, hit)


def register(group: click.Group) -> None:
    """Add the analysis commands to the `arkiv` command group."""
    for command in (similar_cmd, trends_cmd, themes_cmd):
        group.add_command(command)

