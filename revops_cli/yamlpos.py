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
