"""A guard against a reference-count bug in PySide6's ``SignalInstance.emit``.

Measured with PySide6-Essentials 6.12.0 (the pinned version) on CPython 3.11: every
``signal.emit(...)`` returns ``True`` without owning a reference to it, so each call takes one
reference away from ``True``. When the count reaches zero CPython aborts the whole process
("Fatal Python error: bool_dealloc: deallocating True or False"). In a process that imported the
tray app, ``True`` starts near 2,600 references: a plain loop of ``emit`` calls killed it after
about 2,600 of them, and the recorder alone emits the microphone level about 25 times a second
while recording, i.e. a crash after roughly 100 s of dictation.

:func:`install` measures whether this PySide6 has the bug (emit a probe signal, watch
``sys.getrefcount(True)``) and only then wraps ``emit`` so that it adds back the reference it
lost. A fixed PySide6 is left alone, so the guard can stay until the pin moves.
"""

from __future__ import annotations

import ctypes
import sys

from PySide6.QtCore import QObject, Signal, SignalInstance

PROBE_EMITS = 16

try:  # the running interpreter's own C API (also in a PyInstaller bundle, which loads libpython globally)
    _incref = ctypes.pythonapi.Py_IncRef
    _incref.argtypes = [ctypes.py_object]
    _incref.restype = None
except (AttributeError, OSError):  # an interpreter without it: no guard rather than no app
    _incref = None


class _Probe(QObject):
    ping = Signal()


def emit_loses_a_reference() -> bool:
    """True when ``emit`` takes a reference away from ``True`` (the bug described above)."""
    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(PROBE_EMITS):
        probe.ping.emit()
    lost = before - sys.getrefcount(True)
    _incref_n(lost)  # give back what the probe itself took
    # Other threads may take or drop references meanwhile; one lost per emit is unmistakable.
    return lost >= PROBE_EMITS // 2


def _incref_n(count: int) -> None:
    for _ in range(max(count, 0)):
        _incref(True)


def install() -> bool:
    """Wrap ``SignalInstance.emit`` if (and only if) this PySide6 needs it; True if wrapped."""
    if getattr(SignalInstance.emit, "balanced", False):
        return True
    if _incref is None or not emit_loses_a_reference():
        return False
    original = SignalInstance.emit

    def emit(self, *args):
        result = original(self, *args)
        if result is True:
            _incref(result)  # the reference emit returned without owning
        return result

    emit.balanced = True
    emit.__doc__ = original.__doc__
    SignalInstance.emit = emit
    return True
