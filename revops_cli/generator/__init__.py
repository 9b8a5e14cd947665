"""The demo business simulator and its ground truth (see core.generate)."""

from revops_cli.generator.core import GenerationResult, generate

__all__ = ["GenerationResult", "generate"]
