"""Filter options shared by the CLI's commands."""

from __future__ import annotations

import click

from ingest.models import DOC_TYPES

#: --from, --to, --network, --type: what every filtered command takes.
_SCOPE = [
    click.option("--from", "date_from", metavar="DATE", help="Earliest date (YYYY, YYYY-MM or YYYY-MM-DD)."),
    click.option("--to", "date_to", metavar="DATE", help="Latest date (YYYY, YYYY-MM or YYYY-MM-DD)."),
    click.option("--network", "networks", multiple=True, help="Network slug; repeat for several."),
    click.option("--type", "doc_types", multiple=True, type=click.Choice(DOC_TYPES),
                 help="Document type; repeat for several."),
]
#: --person, --org: for commands that filter documents by who appears in them.
_PEOPLE = [
    click.option("--person", default=None, help="Only documents where this person appears."),
    click.option("--org", default=None, help="Only documents where this organisation appears."),
]


def _apply(func, options):
    for option in reversed(options):
        func = option(func)
    return func


def scope_options(func):
    """--from, --to, --network and --type."""
    return _apply(func, _SCOPE)


def filter_options(func):
    """--from, --to, --network, --type, --person and --org."""
    return _apply(func, _SCOPE + _PEOPLE)
