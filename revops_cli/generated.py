"""Files revops generates into the project (`--write`) and checks in CI (`--check`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Generated:
    """A generated file and whether it matches what is on disk (empty text: to delete)."""

    path: Path
    text: str
    current: bool


def compare(wanted: Mapping[Path, str], stale: Iterable[Path] = ()) -> list[Generated]:
    """The wanted files against the disk, and generated files no longer wanted."""
    out = [Generated(p, t, p.is_file() and p.read_text() == t) for p, t in wanted.items()]
    out += [Generated(p, "", False) for p in sorted(set(stale) - set(wanted))]
    return out


def write(files: list[Generated]) -> list[Generated]:
    """Write (or delete) the files that differ; those files."""
    changed = [g for g in files if not g.current]
    for g in changed:
        if not g.text:
            g.path.unlink()
            continue
        g.path.parent.mkdir(parents=True, exist_ok=True)
        g.path.write_text(g.text)
    return changed
