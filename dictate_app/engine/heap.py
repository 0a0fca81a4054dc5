"""Keep the C heap small while a model loads (glibc only; elsewhere a no-op).

sherpa-onnx reads the whole ``.onnx`` file into a buffer and onnxruntime parses it into many
allocations that it frees again once the session is built. glibc keeps freed memory of its main
heap mapped, so a 242 MB int8 model left the process about 120 MB larger than it needed to be.
With allocations of 64 KiB and more served by their own ``mmap`` during the load, each one goes
back to the system when it is freed. Measured creating the recognizer alone, 4 interleaved runs
each: VmRSS after the load 438 -> 317 MB, peak (VmHWM) 450 -> 330 MB, load time unchanged
(0.81-0.98 s without, 0.82-1.02 s with); the tray app: ``benchmarks/idle_cpu.py``.

sherpa-onnx 2.0.1 offers no memory-mapped model loading (it always reads the file into a buffer,
``ReadFile`` in its C++ sources, and hands the bytes to onnxruntime), so this is what the app can
do from Python.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import logging
import sys
from collections.abc import Iterator

log = logging.getLogger(__name__)

# mallopt parameter numbers from glibc's <malloc.h>.
M_MMAP_THRESHOLD = -3
# Allocations from this size get their own mapping while a model loads.
LOAD_MMAP_THRESHOLD = 64 * 1024
# glibc's own starting threshold, set again after the load (setting it at all turns off glibc's
# dynamic raising of the threshold, which would keep freed passes' buffers in the heap).
DEFAULT_MMAP_THRESHOLD = 128 * 1024


def _glibc():
    """The C library when it is glibc (has ``malloc_trim``), else None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt  # noqa: B018 (musl has no malloc_trim; glibc has both)
        libc.malloc_trim  # noqa: B018
    except (OSError, AttributeError):
        return None
    return libc


@contextlib.contextmanager
def lean_load() -> Iterator[None]:
    """Run a model load with large allocations mapped on their own, then give back free heap."""
    libc = _glibc()
    if libc is None:
        yield
        return
    libc.mallopt(M_MMAP_THRESHOLD, LOAD_MMAP_THRESHOLD)
    try:
        yield
    finally:
        libc.mallopt(M_MMAP_THRESHOLD, DEFAULT_MMAP_THRESHOLD)
        libc.malloc_trim(0)

