"""Index maintenance commands of `arkiv`: check (rebuild lives beside ingest in arkiv.cli)."""

from __future__ import annotations

import sys

import click

from ingest.errors import ArchiveIndexError


def register(main: click.Group) -> None:
    """Add the maintenance commands to the `arkiv` group."""
    from arkiv.cli import _echo_json, clean_errors, index_option, index_path, json_option

    @main.command("check")
    @index_option
    @json_option
    @clean_errors
    def check_cmd(index_dir, as_json):
        """Verify the index: counts agree across vectors, FAISS, lexical index and metadata; exit 1 on a problem."""
        from index.check import check_index

        result = check_index(index_path(index_dir))
        if as_json:
            _echo_json(result.to_json())
            if not result.ok:
                sys.exit(1)
            return
        for warning in result.warnings:
            click.echo(f"warning: {warning}")
        if not result.ok:
            for problem in result.problems:
                click.echo(f"problem: {problem}", err=True)
            count = len(result.problems)
            raise ArchiveIndexError(
                f"the index at {result.store} ({result.generation or 'no generation'}) has {count} "
                f"problem{'s' if count != 1 else ''}, first: {result.problems[0]}; rebuild it with `arkiv rebuild`")
        counts = result.counts
        faiss = "" if counts.get("vectors_faiss") is None else ", FAISS"
        click.echo(f"index ok: {result.store} ({result.generation}): {counts['manifest_documents']} documents, "
                   f"{counts['manifest_chunks']} chunks; manifest, vectors{faiss}, lexical index and metadata agree")
