"""Pick and load a backend for a model directory. Today: funasr. The ONNX backend joins later."""

from __future__ import annotations

from pathlib import Path

from dictate_app.engine.base import Engine


def load_engine(model_dir: str | Path, device: str = "auto", threads: int | None = None) -> Engine:
    """Load the model in ``model_dir`` on ``device`` (auto, cpu, cuda), ready to transcribe.

    Raises :class:`dictate_app.errors.ModelError` with the fix when the directory is unusable.
    """
    from dictate_app.engine.funasr_backend import FunasrEngine

    return FunasrEngine.load(model_dir, device=device, threads=threads)
