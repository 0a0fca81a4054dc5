"""Silero VAD on the onnxruntime that sherpa-onnx already ships, through its C API (ctypes).

Why: the speech model runs on sherpa-onnx, whose wheel carries its own onnxruntime
(``sherpa_onnx/lib/libonnxruntime.so``, 1.28.2 in sherpa-onnx 2.0.1). Running Silero VAD (a 2 MB
model, one 512-sample frame per call) on onnxruntime's Python package as well cost 83 MB
installed (with protobuf and flatbuffers) and 32 MB of the tray app's RSS at ready (442 -> 410 MB,
``benchmarks/results/footprint-2026-12-06-silero-*.json``). sherpa-onnx's own Python VAD cannot replace the scorer: it answers only "speech or not"
after its own trigger rules, and our segmentation needs Silero's probability for every frame.

:func:`open_session` returns a :class:`CApiSession` shaped like ``onnxruntime.InferenceSession``
for :class:`dictate_app.audio.vad.FrameScorer` (``run(None, {"input", "state", "sr"}) -> [prob,
state]``), or None when the library is not there or not usable (the caller then falls back to
onnxruntime's Python package). Facts this relies on, read from onnxruntime's public header
``include/onnxruntime/core/session/onnxruntime_c_api.h``: the library exports ``OrtGetApiBase``,
whose ``GetApi(version)`` returns the ``OrtApi`` table of function pointers, NULL for a version it
does not support; the table is append-only (ABI-stable), so the positions below hold in every
version that has them; every call returns an ``OrtStatus*``, NULL for success.

Thread safety: onnxruntime's ``Run`` may be called from several threads on one session; each
thread scores through its own numpy buffers and the tensors over them (:class:`_Tensors`). ctypes
releases the GIL during every foreign call, so a Run does not hold up the GUI or the audio thread.

Only the Linux lookup has run (this project's machines): the macOS and Windows file names come
from the sherpa-onnx wheels' layout, and a miss there only means the fallback.
"""

from __future__ import annotations

import ctypes
import logging
import sys
import threading
import weakref
from importlib.util import find_spec
from pathlib import Path

import numpy as np

from dictate_app.errors import VadError

log = logging.getLogger(__name__)

# The oldest C API this module asks for: the functions below all exist since version 1, but
# onnxruntime 1.17 (API 17) is also pyproject's floor for the Python package, and older
# libraries were never tried.
MIN_API_VERSION = 17

# onnxruntime's library file names, by platform (sherpa-onnx's wheels: Linux ships
# libonnxruntime.so, macOS libonnxruntime.<version>.dylib, Windows onnxruntime.dll).
LIBRARY_PATTERNS = {
    "linux": ("libonnxruntime.so", "libonnxruntime.so.*"),
    "darwin": ("libonnxruntime.dylib", "libonnxruntime*.dylib"),
    "win32": ("onnxruntime.dll",),
}

# ONNX element types (ONNXTensorElementDataType) of the arrays Silero takes and gives.
_ELEMENT_TYPES = {np.dtype(np.float32): 1, np.dtype(np.int64): 7}
_LOG_WARNING, _LOG_ERROR = 2, 3  # OrtLoggingLevel
_ARENA_ALLOCATOR, _MEM_TYPE_DEFAULT = 1, 0  # OrtAllocatorType, OrtMemType

# Silero's graph outputs, in the order FrameScorer expects them.
OUTPUTS = ("output", "stateN")

_P = ctypes.c_void_p
_PP = ctypes.POINTER(ctypes.c_void_p)
_SIZE = ctypes.c_size_t
_PATH = ctypes.c_wchar_p if sys.platform == "win32" else ctypes.c_char_p  # ORTCHAR_T
# ORT_API_CALL is __stdcall on Windows (the same as cdecl on 64-bit, not on 32-bit).
_FUNCTYPE = getattr(ctypes, "WINFUNCTYPE", ctypes.CFUNCTYPE) if sys.platform == "win32" else ctypes.CFUNCTYPE

# name: (position in OrtApi, return type, argument types). Functions returning OrtStatus* give _P.
_API = {
    "GetErrorMessage": (2, ctypes.c_char_p, (_P,)),
    "CreateEnv": (3, _P, (ctypes.c_int, ctypes.c_char_p, _PP)),
    "CreateSession": (7, _P, (_P, _PATH, _P, _PP)),
    # Run's and CreateTensorWithDataAsOrtValue's OrtValue* arguments are plain addresses into
    # the array of a thread's tensors (_Tensors), which holds inputs then outputs.
    "Run": (9, _P, (_P, _P, ctypes.POINTER(ctypes.c_char_p), _P, _SIZE, ctypes.POINTER(ctypes.c_char_p), _SIZE, _P)),
    "CreateSessionOptions": (10, _P, (_PP,)),
    "SetSessionLogSeverityLevel": (22, _P, (_P, ctypes.c_int)),
    "SetIntraOpNumThreads": (24, _P, (_P, ctypes.c_int)),
    "SetInterOpNumThreads": (25, _P, (_P, ctypes.c_int)),
    "SessionGetInputCount": (30, _P, (_P, ctypes.POINTER(_SIZE))),
    "SessionGetOutputCount": (31, _P, (_P, ctypes.POINTER(_SIZE))),
    "CreateTensorWithDataAsOrtValue": (49, _P, (_P, _P, _SIZE, ctypes.POINTER(ctypes.c_int64), _SIZE, ctypes.c_int, _P)),
    "CreateCpuMemoryInfo": (69, _P, (ctypes.c_int, ctypes.c_int, _PP)),
    "ReleaseEnv": (92, None, (_P,)),
    "ReleaseStatus": (93, None, (_P,)),
    "ReleaseMemoryInfo": (94, None, (_P,)),
    "ReleaseSession": (95, None, (_P,)),
    "ReleaseValue": (96, None, (_P,)),
    "ReleaseSessionOptions": (100, None, (_P,)),
}


class _ApiBase(ctypes.Structure):
    """``OrtApiBase``: GetApi(version) and GetVersionString()."""

    _fields_ = [("GetApi", _FUNCTYPE(_P, ctypes.c_uint32)), ("GetVersionString", _FUNCTYPE(ctypes.c_char_p))]


def library_candidates() -> list[Path]:
    """Where sherpa-onnx's onnxruntime library may be, most likely first: inside a PyInstaller
    bundle (``sherpa_onnx/lib`` under ``sys._MEIPASS``, where packaging/dictate.spec collects it),
    then inside the installed ``sherpa_onnx`` package, located without importing it."""
    folders: list[Path] = []
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        folders += [Path(bundle) / "sherpa_onnx" / "lib", Path(bundle) / "sherpa_onnx", Path(bundle)]
    try:
        spec = find_spec("sherpa_onnx")
    except (ImportError, ValueError):  # a broken install, or a module without a spec
        spec = None
    for folder in (spec.submodule_search_locations or []) if spec else []:
        folders += [Path(folder) / "lib", Path(folder)]
    patterns = LIBRARY_PATTERNS.get("linux" if sys.platform.startswith("linux") else sys.platform, ())
    found: list[Path] = []
    for folder in folders:
        for pattern in patterns:
            found += [path for path in sorted(folder.glob(pattern)) if path.is_file() and path not in found]
    return found


class CApi:
    """The ``OrtApi`` functions this module uses, from one onnxruntime library, with one ``OrtEnv``
    and one CPU memory description kept for the process (the library stays loaded anyway)."""

    def __init__(self, library: ctypes.CDLL, version: str, api_version: int, table: int) -> None:
        self.version = version
        self.api_version = api_version
        pointers = ctypes.cast(table, _PP)
        for name, (index, restype, argtypes) in _API.items():
            setattr(self, name, _FUNCTYPE(restype, *argtypes)(pointers[index]))
        self._library = library  # keeps the handle (and so the functions) alive
        # One OrtEnv per process: if sherpa-onnx made it first, this is the same one (onnxruntime
        # counts references) and its log level stands; warnings, as onnxruntime's own default.
        self.env = self.make("start", self.CreateEnv, _LOG_WARNING, b"dictate-silero")
        self.memory = self.make("start", self.CreateCpuMemoryInfo, _ARENA_ALLOCATOR, _MEM_TYPE_DEFAULT)

    def check(self, status: int | None, what: str) -> None:
        """Raise :class:`VadError` naming ``what`` failed if ``status`` is an error (then released)."""
        if status:
            message = (self.GetErrorMessage(status) or b"no message").decode("utf-8", "replace")
            self.ReleaseStatus(status)
            first = message.strip().splitlines()[0] if message.strip() else "no message"
            raise VadError(f"The voice detector failed to {what} ({first}); reinstall Dictate if this persists.")

    def make(self, what: str, function, *args) -> int:
        """Call a ``Create*`` function whose last argument is the out-pointer; return the object."""
        out = ctypes.c_void_p()
        self.check(function(*args, ctypes.byref(out)), what)
        return out.value


def api_version_for(version: str) -> int:
    """The C API version to ask onnxruntime ``version`` for: 1.N supports 1..N, so N, the newest
    it knows (0 for a version string this module does not understand)."""
    parts = version.split(".")
    return int(parts[1]) if len(parts) >= 2 and parts[0] == "1" and parts[1].isdigit() else 0


def load_api(path: Path) -> CApi | None:
    """The C API of the onnxruntime library at ``path``, or None (logged) when it cannot be used:
    it does not load, exports no ``OrtGetApiBase``, or supports no C API version we can use."""
    try:
        library = ctypes.CDLL(str(path))
        get_base = library.OrtGetApiBase
    except (OSError, AttributeError) as exc:
        log.info("onnxruntime at %s cannot be used for Silero VAD: %s", path, exc)
        return None
    get_base.restype = ctypes.POINTER(_ApiBase)
    get_base.argtypes = ()
    base = get_base()
    if not base:
        return None
    version = (base.contents.GetVersionString() or b"").decode("ascii", "replace")
    api_version = api_version_for(version)
    if api_version < MIN_API_VERSION:
        log.info("onnxruntime %s at %s is not a version Silero VAD uses (needs 1.%d or later)", version, path, MIN_API_VERSION)
        return None
    table = base.contents.GetApi(api_version)
    if not table:
        log.info("onnxruntime %s at %s offers no C API version %d", version, path, api_version)
        return None
    return CApi(library, version, api_version, table)


class CApiSession:
    """Silero VAD on the C API, shaped like the ``onnxruntime.InferenceSession`` that
    :class:`~dictate_app.audio.vad.FrameScorer` used: ``run(None, {"input": x, "state": s,
    "sr": rate}) -> [prob, state]``. Stateless (the recurrent state goes in and out), so one session
    serves every stream and thread. Every call's status is checked: a failure is a
    :class:`VadError`, never a crash."""

    def __init__(self, api: CApi, model: Path, threads: int = 1) -> None:
        self.api, self.model, self.threads = api, model, threads
        self._session: int | None = None
        self._local = threading.local()  # each thread's _Tensors
        options = api.make("start", api.CreateSessionOptions)
        try:
            api.check(api.SetIntraOpNumThreads(options, threads), "set its thread count")
            api.check(api.SetInterOpNumThreads(options, threads), "set its thread count")
            # Its load-time notices are not the user's business (as with the Python package).
            api.check(api.SetSessionLogSeverityLevel(options, _LOG_ERROR), "set its log level")
            path = str(model) if sys.platform == "win32" else str(model).encode()
            self._session = api.make(f"load its model {model}", api.CreateSession, api.env, path, options)
        finally:
            api.ReleaseSessionOptions(options)
        counts = []
        for getter in (api.SessionGetInputCount, api.SessionGetOutputCount):
            count = _SIZE()
            api.check(getter(self._session, ctypes.byref(count)), "read its model")
            counts.append(count.value)
        if counts != [3, 2]:
            self.close()
            raise VadError(f"The voice detector's model {model} is not Silero VAD's (it has {counts[0]} inputs "
                           f"and {counts[1]} outputs, not 3 and 2); reinstall Dictate.")

    @property
    def backend(self) -> str:
        """Which runtime this is, for logs and tests."""
        return f"onnxruntime {self.api.version} (sherpa-onnx's, C API {self.api.api_version})"

    def run(self, output_names, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
        """Score one frame: ``feeds`` holds ``input`` (float32, (1, 576)), ``state`` (float32,
        (2, 1, 128)) and ``sr`` (int64 scalar); returns ``[prob (1, 1), state (2, 1, 128)]``
        (new arrays)."""
        if output_names is not None and tuple(output_names) != OUTPUTS:
            raise ValueError(f"this session gives {OUTPUTS}, not {output_names}")
        if self._session is None:
            raise VadError("The voice detector was closed; restart Dictate.")
        names = tuple(feeds)
        arrays = [np.asarray(feeds[name]) for name in names]
        tensors = getattr(self._local, "tensors", None)
        if tensors is None or tensors.names != names or any(
                a.shape != b.shape or a.dtype != b.dtype for a, b in zip(arrays, tensors.inputs)):
            # This thread's first frame (or other shapes): its buffers and tensors, kept for the next ones.
            tensors = self._local.tensors = _Tensors(self, names, arrays)
        for array, buffer in zip(arrays, tensors.inputs):
            np.copyto(buffer, array)
        status = self.api.Run(self._session, None, tensors.input_names, tensors.input_values, len(names),
                              tensors.output_names, len(OUTPUTS), tensors.output_values)
        if status:
            self.api.check(status, "score audio")
        return [tensors.outputs[0].copy(), tensors.outputs[1].copy()]

    def close(self) -> None:
        """Free the session (idempotent). The process's one session lives until exit."""
        if self._session is not None:
            self.api.ReleaseSession(self._session)
            self._session = None


class _Tensors:
    """One thread's buffers for a session's inputs and outputs, and the tensors (OrtValues) over
    them, made on the thread's first frame and reused for every later one: making and freeing five
    tensors per frame cost 25-50 us beside Run's 110 us (0.27 against 0.19 ms per frame on the
    Python package, benchmarks/vad.py). Each thread has its own, so concurrent Runs never share a
    buffer; they are freed when the thread ends (or the shapes change): onnxruntime only wraps
    our memory, so freeing a tensor leaves the numpy buffer to Python."""

    live = 0  # tensors made and not yet freed in this process (a test checks threads give theirs back)
    _count_lock = threading.Lock()

    def __init__(self, session: CApiSession, names: tuple[str, ...], arrays: list[np.ndarray]) -> None:
        if "input" not in names or "state" not in names:
            raise ValueError(f"Silero VAD takes input, state and sr, not {names}")
        for array in arrays:
            if array.dtype not in _ELEMENT_TYPES:
                raise ValueError(f"Silero VAD takes float32 audio and state and an int64 rate, not {array.dtype}")
        api = session.api
        self.names = names
        self.inputs = [np.empty(array.shape, array.dtype) for array in arrays]
        # Outputs go into our own buffers: onnxruntime checks their shape and type against what
        # the model computes (a mismatch is an error status), and leaves nothing of its own to free.
        self.outputs = [np.empty((arrays[names.index("input")].shape[0], 1), np.float32),
                        np.empty(arrays[names.index("state")].shape, np.float32)]
        buffers = self.inputs + self.outputs
        values = (ctypes.c_void_p * len(buffers))()
        weakref.finalize(self, _free_tensors, api.ReleaseValue, values)
        size = ctypes.sizeof(ctypes.c_void_p)
        for i, buffer in enumerate(buffers):
            shape = (ctypes.c_int64 * max(1, buffer.ndim))(*buffer.shape)  # onnxruntime copies it
            status = api.CreateTensorWithDataAsOrtValue(api.memory, buffer.ctypes.data, buffer.nbytes, shape, buffer.ndim,
                                                        _ELEMENT_TYPES[buffer.dtype], ctypes.addressof(values) + i * size)
            if status:
                api.check(status, "pass it audio")
            with _Tensors._count_lock:
                _Tensors.live += 1
        self.input_values = ctypes.addressof(values)
        self.output_values = ctypes.addressof(values) + len(names) * size
        self.input_names = (ctypes.c_char_p * len(names))(*(name.encode() for name in names))
        self.output_names = (ctypes.c_char_p * len(OUTPUTS))(*(name.encode() for name in OUTPUTS))
        self._values = values


def _free_tensors(release, values: ctypes.Array) -> None:
    """Free the tensors of a :class:`_Tensors` (its finalizer: it runs after the thread is gone)."""
    for value in values:
        if value:
            release(value)
            with _Tensors._count_lock:
                _Tensors.live -= 1


_api_cache: dict[Path, CApi | None] = {}


def open_session(model: Path, threads: int = 1) -> CApiSession | None:
    """A Silero VAD session on sherpa-onnx's onnxruntime, or None when no usable library is found
    (the caller falls back to onnxruntime's Python package). A library that works but cannot load
    the model raises :class:`VadError` (the fallback would fail the same way)."""
    for path in library_candidates():
        if path not in _api_cache:
            _api_cache[path] = load_api(path)
        api = _api_cache[path]
        if api is not None:
            return CApiSession(api, model, threads)
    return None
