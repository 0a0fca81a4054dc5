"""Pick and load a backend for a model directory: funasr (torch), the int8 ONNX model on
sherpa-onnx, or a Dictate server.

``backend="auto"``: funasr on a CUDA GPU; on the CPU the int8 ONNX model when one exists in the
model directory or its ``onnx/`` subdirectory (about 1.7x faster, a third of the memory, no
torch import); else funasr on the CPU. A GPU with only the ONNX model in the folder runs that on
the CPU. A folder with no model file at all (the first run, or a download that failed) is the
sentence of :func:`dictate_app.engine.forms.no_model_message`, naming the form this install runs."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from dictate_app.engine.base import Engine
from dictate_app.engine.forms import PYTORCH, can_run, forms_in, gpu_wanted, no_model_message, unrunnable_message
from dictate_app.errors import ModelError

log = logging.getLogger(__name__)

BACKEND_CHOICES = ("auto", "funasr", "onnx")


def load_engine(
    model_dir: str | Path | None,
    device: str = "auto",
    threads: int | None = None,
    *,
    server: str | None = None,
    token: str | None = None,
    backend: str = "auto",
) -> Engine:
    """Load the model in ``model_dir`` on ``device`` (auto, cpu, cuda), ready to transcribe.

    With ``server`` (a ``dictate-app serve`` URL) the engine is that server; if it cannot be
    reached and ``model_dir`` holds a valid model, the local model is used with a logged warning.
    ``backend`` is auto, funasr or onnx (see the module notes).
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

    if model_dir is None:
        raise ModelError("no model directory was given; pass --model DIR or run `dictate-app model download`")
    if not forms_in(model_dir):  # missing, empty, or an unfinished download: say what to fetch
        raise ModelError(no_model_message(model_dir, device))
    if choose_backend(model_dir, device, backend) == "onnx":
        from dictate_app.engine.onnx_backend import OnnxEngine

        return OnnxEngine.load(model_dir, threads=threads)
    require_funasr(model_dir)
    from dictate_app.engine.funasr_backend import FunasrEngine

    return FunasrEngine.load(model_dir, device=device, threads=threads)


class BackgroundLoad:
    """:func:`load_engine` started now on its own thread, for the first caller that wants that model.

    The tray app starts one before Qt, its settings window and the tray are built
    (``commands/app.py``): creating the int8 recognizer takes 0.8-1.0 s of C++ that does not hold
    the GIL, so the ~0.5 s of imports and Qt start-up run beside it instead of before it.
    :meth:`take` hands the engine (or raises the load's error) to a caller asking for the same
    model directory, device and server, once; any other caller, or :meth:`drop`, frees it.

    The thread is not a daemon: interpreter exit waits for a load in progress (about a second)
    rather than pulling the thread out of C++ mid-load, which aborts the process.
    """

    def __init__(self, model_dir: str | Path | None, device: str = "auto", *, server: str | None = None,
                 token: str | None = None, load: Callable[..., Engine] | None = None) -> None:
        self.request = (str(model_dir), device, server or None)
        self._lock = threading.Lock()
        self._result: Engine | BaseException | None = None
        self._dropped = False
        self._thread = threading.Thread(target=self._run, name="model-load",
                                        args=(load or load_engine, model_dir, device, server, token))
        self._thread.start()

    def _run(self, load, model_dir, device, server, token) -> None:
        try:
            result = load(model_dir, device=device, server=server, token=token)
        except BaseException as exc:  # handed to take(), which raises it where load_engine would
            result = exc
        with self._lock:
            if not self._dropped:
                self._result = result

    def take(self, model_dir: str | Path | None, device: str, server: str | None) -> Engine | None:
        """The engine when this load was for these arguments, after waiting for it; None otherwise
        (and on every call after the first). Raises what :func:`load_engine` raised."""
        if self.request != (str(model_dir), device, server or None) or self._dropped:
            self.drop()
            return None
        self._thread.join()
        with self._lock:
            result, self._result, self._dropped = self._result, None, True
        if isinstance(result, BaseException):
            raise result
        return result

    def drop(self) -> None:
        """Nobody will take it: free the engine now, or as soon as its load ends."""
        with self._lock:
            self._dropped, self._result = True, None


def require_funasr(model_dir: str | Path) -> None:
    """Say what to do when the funasr backend is needed but this is the CPU build (no torch, no
    funasr: requirements/cpu.txt) instead of failing on the import. Looked up, not imported."""
    if not can_run(PYTORCH):
        raise ModelError(unrunnable_message(model_dir))


def choose_backend(model_dir: str | Path, device: str = "auto", backend: str = "auto") -> str:
    """``"funasr"`` or ``"onnx"`` for this directory, device and request (see the module notes)."""
    if backend not in BACKEND_CHOICES:
        raise ModelError(f"backend {backend!r} is not one of {', '.join(BACKEND_CHOICES)}")
    if backend != "auto":
        if backend == "onnx" and device == "cuda":
            log.warning("the ONNX backend runs on the CPU here; ignoring device=cuda")
        return backend
    from dictate_app.engine.onnxdir import find_onnx_model

    onnx = find_onnx_model(model_dir, "int8") is not None
    if device == "cuda" or (gpu_wanted(device) and (PYTORCH in forms_in(model_dir) or not onnx)):
        return "funasr"
    # auto on a GPU with only the ONNX model in the folder: that model, on the CPU, not an error.
    return "onnx" if onnx else "funasr"


def _usable_model(model_dir: str | Path | None) -> bool:
    """True when ``model_dir`` holds a model that passes validation in a form this install runs
    (the fallback must not trade one error for another)."""
    if model_dir is None or not forms_in(model_dir):
        return False
    from dictate_app.engine.modeldir import validate_model_dir
    from dictate_app.engine.onnxdir import find_onnx_model, validate_onnx_model

    try:
        if choose_backend(model_dir, "cpu") == "onnx":
            validate_onnx_model(find_onnx_model(model_dir, "int8"))
        else:
            require_funasr(model_dir)
            validate_model_dir(model_dir)
    except ModelError:
        return False
    return True
