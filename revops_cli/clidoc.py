"""The CLI reference (docs/cli.md): every command's --help, generated, never written by hand.

`revops contract --write` regenerates it with the other generated files and
`revops contract --check` (and tests/unit/test_contract.py) fails when it is stale, so
the reference cannot drift from the commands.
"""

from __future__ import annotations

from collections.abc import Iterator

import click

#: Help is wrapped at this width, whatever the terminal that generates it.
WIDTH = 96


def _commands(
    command: click.Command, parent: click.Context | None, name: str
) -> Iterator[tuple[str, str]]:
    """(the command's full name, its --help) for ``command`` and every subcommand."""
    settings = {**command.context_settings, "terminal_width": WIDTH, "max_content_width": WIDTH}
    ctx = click.Context(command, info_name=name, parent=parent, **settings)
    full = ctx.command_path
    yield full, command.get_help(ctx)
    if isinstance(command, click.Group):
        for sub in command.list_commands(ctx):
            found = command.get_command(ctx, sub)
            if found is not None and not found.hidden:
                yield from _commands(found, ctx, sub)


def reference() -> str:
    """docs/cli.md: a table of the commands, then each command's --help."""
    from revops_cli.cli import cli

    commands = list(_commands(cli, None, "revops"))
    out = [
        "# The revops command line",
        "",
        "Generated from each command's `--help` by `revops contract --write`; do not edit.",
        "",
        "| command | what it does |",
        "| --- | --- |",
    ]
    for full, text in commands[1:]:
        summary = _first_sentence(text)
        out.append(f"| [`{full}`](#{full.replace(' ', '-')}) | {summary} |")
    for full, text in commands:
        out += ["", f"## {full}", "", "```text", text.rstrip(), "```"]
    return "\n".join(out) + "\n"


def _first_sentence(help_text: str) -> str:
    """The first paragraph of a command's description (after the usage line)."""
    paragraphs = [p.strip() for p in help_text.split("\n\n")]
    body = next((p for p in paragraphs[1:] if p and not p.startswith("Usage:")), "")
    return " ".join(body.split()).replace("|", "\\|")
