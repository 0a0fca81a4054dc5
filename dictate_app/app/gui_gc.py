"""Python's cycle collector runs on the GUI thread only, while the app runs.

Why: Python collects reference cycles on whichever thread happens to allocate when a threshold is
crossed; in this app that is often the ASR worker (torch allocates a lot while loading and
decoding), a hotkey listener or the audio callback. When that garbage holds a QObject of the GUI
thread (a closed dialog caught in a reference cycle), its C++ destructor then runs on the wrong
thread: Qt cannot unregister the object's timers from there, and the GUI thread later delivers a
timer event to freed memory (a segfault in ``QApplicationPrivate::notify_helper``, seen while the
model loaded). And a collection triggered by an allocation inside Qt code that holds a signal-slot
lock (PySide looking up a Python ``disconnectNotify`` override during ``QObject::disconnect``) can
destroy a QObject whose destructor waits for that same lock: the thread deadlocks on itself (seen
in the test suite). So automatic collection is switched off while the app runs and a GUI-thread timer
collects instead, generation by generation when the interpreter's own thresholds are passed (without
CPython's extra rule that defers some full collections; a full one takes ~0.1 s with funasr loaded).
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer


class GuiThreadCollector(QObject):
    """Collects garbage from the GUI thread's event loop; :meth:`start` / :meth:`stop` around the app."""

    def __init__(self, interval_ms: int = 1000, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.collect_due)
        self._was_enabled = False

    def start(self) -> None:
        if self._timer.isActive():
            return
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer.start()

    def stop(self) -> None:
        """Back to automatic collection (as it was before :meth:`start`)."""
        if not self._timer.isActive():
            return
        self._timer.stop()
        if self._was_enabled:
            gc.enable()

    def collect_due(self) -> int:
        """Collect the oldest generation whose allocation count passed its threshold; returns it (-1: none)."""
        counts, thresholds = gc.get_count(), gc.get_threshold()
        for generation in (2, 1, 0):
            if thresholds[generation] and counts[generation] > thresholds[generation]:
                gc.collect(generation)
                return generation
        return -1
