"""Garbage holding GUI-thread QObjects is collected on the GUI thread, whoever allocates."""

from __future__ import annotations

import gc
import threading

from PySide6.QtCore import QObject

from dictate_app.app.gui_gc import GuiThreadCollector


class Probe(QObject):
    """A QObject in a reference cycle that records the thread its Python wrapper dies on."""

    died_on: list[int] = []

    def __init__(self) -> None:
        super().__init__()
        self.me = self

    def __del__(self) -> None:
        Probe.died_on.append(threading.get_ident())


def garbage_probe_then_allocate_on_a_worker() -> list:
    gc.collect()  # a clean slate: the probe is the only cycle, the counters start at zero
    Probe.died_on.clear()
    Probe()
    kept: list = []  # what a model load allocates and keeps
    worker = threading.Thread(target=lambda: kept.extend([n] for n in range(200_000)))
    worker.start()
    worker.join()
    return kept


def test_without_it_a_worker_thread_collects_gui_objects():
    """The hazard: automatic collection runs on the worker thread that crossed the threshold."""
    assert gc.isenabled()
    garbage_probe_then_allocate_on_a_worker()
    assert Probe.died_on and Probe.died_on[0] != threading.get_ident()


def test_with_it_the_gui_thread_collects_them(qtbot):
    gc.enable()  # as before the app starts its collector (conftest switches it off for Qt tests)
    collector = GuiThreadCollector(interval_ms=50)
    collector.start()
    try:
        assert not gc.isenabled()
        kept = garbage_probe_then_allocate_on_a_worker()
        assert Probe.died_on == []  # the worker allocated 200,000 containers and collected nothing
        qtbot.waitUntil(lambda: Probe.died_on != [], timeout=2000)
        assert Probe.died_on == [threading.get_ident()]
        del kept
    finally:
        collector.stop()
    assert gc.isenabled()  # automatic collection is back after stop


def test_it_collects_the_oldest_generation_that_is_due():
    collector = GuiThreadCollector()
    gc.collect()
    assert collector.collect_due() == -1  # nothing allocated since
    junk = [[n] for n in range(gc.get_threshold()[0] * 3)]
    gc.disable()
    try:
        junk2 = [[n] for n in range(gc.get_threshold()[0] * 3)]
        assert collector.collect_due() == 0 and gc.get_count()[0] < gc.get_threshold()[0]
    finally:
        gc.enable()
    del junk, junk2
