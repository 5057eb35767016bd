"""The `arkiv people` and `arkiv person` commands: who spoke on a theme, and one person's profile."""

from __future__ import annotations

import click

from arkiv.cli import _echo_json, build_filters, clean_errors, filter_options, index_option, index_path, json_option
from ingest.errors import ConfigError
from ingest.models import DOC_TYPE_LABELS

#: Evidence lines shown per person in text output (JSON has all of them).
EVIDENCE_SHOWN = 3
ROLE_LABELS = {"presenter": "presented", "speaker": "spoke", "present": "present", "guest": "guest",
               "absent": "absent", "chair": "chair", "note_taker": "note-taker", "coordinator": "coordinator"}


@click.command("people")
@click.argument("query")
@index_option
@click.option("-k", "k", default=10, show_default=True, type=click.IntRange(1, 100), help="Number of people.")
@filter_options
@json_option
@clean_errors
def people_cmd(query, index_dir, k, date_from, date_to, networks, doc_types, person, org, as_json):
    """The people who presented or spoke on the theme QUERY, most and most recently first."""
    from index.archive import Archive
    from index.people import find_people

    if not query.strip():
        raise ConfigError("the query is empty; type a theme, e.g. \"digitala nationella prov\"")
    archive = Archive.open(index_path(index_dir))
    filters = build_filters(archive, date_from, date_to, networks, doc_types, person, org)
    people = find_people(archive, query, k=k, filters=filters)
    if as_json:
        _echo_json({"query": query, "people": [p.to_json() for p in people]})
        return
    if not people:
        click.echo(f"nobody found who presented or spoke on {query!r}; try other words or remove filters")
        return
    for number, found in enumerate(people, start=1):
        orgs = f" ({', '.join(found.organisations)})" if found.organisations else ""
        click.echo(click.style(f"{number}. {found.name}", bold=True) + f"{orgs}  score {found.score:.2f}")
        for item in found.evidence[:EVIDENCE_SHOWN]:
            click.echo(f"   {item.date_label or 'undated'}  {ROLE_LABELS.get(item.role, item.role)}: "
                       f"{item.section or item.title}  [{item.title} · {item.path}]")
        if len(found.evidence) > EVIDENCE_SHOWN:
            click.echo(f"   + {len(found.evidence) - EVIDENCE_SHOWN} more")


@click.command("person")
@click.argument("name")
@index_option
@json_option
@clean_errors
def person_cmd(name, index_dir, as_json):
    """Profile of the person NAME: organisations over time, talks and meetings."""
    from index.archive import Archive
    from index.people import person_profile

    archive = Archive.open(index_path(index_dir))
    profile = person_profile(archive, name)
    if profile is None:
        raise ConfigError(f"no person matching {name!r} in the archive; try the surname alone, "
                          "or find people by theme with `arkiv people \"THEME\"`")
    if as_json:
        _echo_json(profile.to_json())
        return
    click.echo(click.style(profile.name, bold=True) + (f"  ({', '.join(profile.titles)})" if profile.titles else ""))
    for span in profile.organisations:
        plural = "" if span.documents == 1 else "s"
        click.echo(f"  {span.name}: {span.first or '?'} .. {span.last or '?'} ({span.documents} document{plural})")
    if profile.networks:
        click.echo(f"  networks: {', '.join(profile.networks)}")
    click.echo(f"talks ({len(profile.presentations)}):")
    for talk in profile.presentations:
        click.echo(f"  {talk.date_label or 'undated'}  {talk.section or talk.title}  "
                   f"[{DOC_TYPE_LABELS.get(talk.doc_type, talk.doc_type)} · {talk.path}]")
    click.echo(f"meetings ({len(profile.meetings)}):")
    for meeting in profile.meetings:
        click.echo(f"  {meeting.date_label or 'undated'}  {ROLE_LABELS.get(meeting.role, meeting.role)}  "
                   f"{meeting.title}  [{meeting.path}]")
    if profile.also_matching:
        click.echo(f"also matching: {', '.join(profile.also_matching)}")


def register(group: click.Group) -> None:
    """Add the people commands to the `arkiv` group."""
    group.add_command(people_cmd)
    group.add_command(person_cmd)
