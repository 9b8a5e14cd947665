"""The demo business simulator and its ground truth (see core.generate).

Imported lazily: the raw contract (revops_cli.contract) is needed by commands that never
generate, and the simulator's numpy/pyarrow imports cost them time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from revops_cli.generator.core import GenerationResult, generate

__all__ = ["GenerationResult", "generate"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from revops_cli.generator import core

        return getattr(core, name)
    raise AttributeError(name)
