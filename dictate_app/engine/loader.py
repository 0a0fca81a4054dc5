"""Pick and load a backend for a model directory. Today: funasr, or a Dictate server. The ONNX
backend joins later."""

from __future__ import annotations

import logging
from pathlib import Path

from dictate_app.engine.base import Engine
from dictate_app.errors import ModelError

log = logging.getLogger(__name__)


def load_engine(
    model_dir: str | Path | None,
    device: str = "auto",
    threads: int | None = None,
    *,
    server: str | None = None,
    token: str | None = None,
) -> Engine:
    """Load the model in ``model_dir`` on ``device`` (auto, cpu, cuda), ready to transcribe.

    With ``server`` (a ``dictate-app serve`` URL) the engine is that server; if it cannot be
    reached and ``model_dir`` holds a valid model, the local model is used with a logged warning.
    Raises :class:`dictate_app.errors.ModelError` with the fix when the directory is unusable,
    :class:`dictate_app.engine.remote_backend.ServerError` when the server is unusable.
    """
    if server:
        from dictate_app.engine.remote_backend import RemoteEngine, ServerUnreachableError

        try:
            return RemoteEngine.connect(server, token=token)
        except ServerUnreachableError as exc:
            if not _usable_model(model_dir):
                raise
            log.warning("%s; using the local model in %s instead", exc, model_dir)

    from dictate_app.engine.funasr_backend import FunasrEngine

    if model_dir is None:
        raise ModelError("no model directory was given; pass --model DIR or run `dictate-app model download`")
    return FunasrEngine.load(model_dir, device=device, threads=threads)


def _usable_model(model_dir: str | Path | None) -> bool:
    """True when ``model_dir`` passes validation (the fallback must not trade one error for another)."""
    if model_dir is None:
        return False
    from dictate_app.engine.modeldir import validate_model_dir

    try:
        validate_model_dir(model_dir)
    except ModelError:
        return False
    return True
