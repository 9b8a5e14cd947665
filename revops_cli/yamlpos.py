"""Positions in YAML files, so a mistake is reported as file:line:column (definitions,
metrics)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml


@dataclass(frozen=True, order=True)
class Problem:
    """One mistake, located in its file."""

    path: Path
    line: int
    column: int
    key: str
    message: str

    def __str__(self) -> str:
        try:
            shown = self.path.relative_to(Path.cwd())
        except ValueError:
            shown = self.path
        return f"{shown}:{self.line}:{self.column}: {self.key}: {self.message}"


def locate(
    root: yaml.Node, keys: list[str | int], key_node: bool = False, skip: tuple[str, ...] = ()
) -> tuple[yaml.Node, bool]:
    """The deepest node along ``keys`` (the last key's own node when ``key_node``), and True
    when the whole path was found. Keys in ``skip`` that are not in the file (a pydantic union
    tag, say) are passed over."""
    node = root
    found = True
    for i, key in enumerate(keys):
        child = None
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if k.value == str(key):
                    child = k if key_node and i == len(keys) - 1 else v
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            child = node.value[key]
        if child is None:
            if isinstance(key, str) and key in skip:
                continue
            return node, False
        node = child
    return node, found


def problem_at(path: Path, node: yaml.Node, key: str, message: str) -> Problem:
    """A Problem at ``node``'s start."""
    return Problem(path, node.start_mark.line + 1, node.start_mark.column + 1, key, message)


def duplicate_keys(path: Path, root: yaml.Node | None, where: str = "") -> list[Problem]:
    """Every key given twice in one mapping of ``root`` (YAML keeps the last silently), at
    the second occurrence, naming the line of the first."""
    problems: list[Problem] = []
    stack = [(root, where)]
    while stack:
        node, prefix = stack.pop()
        if isinstance(node, yaml.MappingNode):
            first: dict[str, int] = {}
            for key, value in node.value:
                name = str(key.value)
                dotted = f"{prefix}.{name}" if prefix else name
                if name in first:
                    problems.append(
                        problem_at(
                            path, key, dotted, f"duplicate key (first on line {first[name]})"
                        )
                    )
                else:
                    first[name] = key.start_mark.line + 1
                stack.append((value, dotted))
        elif isinstance(node, yaml.SequenceNode):
            stack += [(item, f"{prefix}[{i}]") for i, item in enumerate(node.value)]
    return sorted(problems)


def read_text(path: Path) -> str:
    """A file a user edits, as text: one clear error (ConfigError, with the position of a
    byte that is not UTF-8) instead of a decode error or a folder's OSError."""
    from revops_cli.errors import ConfigError

    try:
        data = path.read_bytes()
    except IsADirectoryError as exc:
        raise ConfigError(f"{path} is a folder, not a file: rename or move it") from exc
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ConfigError(
            f"{path}:{line}:{column}: not UTF-8 text (byte 0x{data[exc.start]:02x}): "
            "save the file as UTF-8"
        ) from exc
