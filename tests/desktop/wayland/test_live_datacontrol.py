"""The data-control clipboard on real sway: every format saved and restored exactly (checked with
wl-paste), the transcript as wl-paste reads it, whose reads count, a 10 MB payload, a silent owner,
and real pastes into a Qt Wayland window followed by the restore, by hand and by the Inserter."""

from __future__ import annotations

import heapq
import itertools
import os
import subprocess
import time
from pathlib import Path

import pytest

from dictate_app.desktop.base import Window
from dictate_app.desktop.wayland.datacontrol import HINT_TYPE, TEXT_TYPES, DataControlClipboard, Snapshot
from dictate_app.output.inserter import Inserter
from dictate_app.output.strategy import Method
from testkit.desktop.app_harness import Target, wait_for
from testkit.desktop.wayland.clients import Owner

HERE = Path(__file__).resolve().parent
TRANSCRIPT = "你好，世界 🙂 naïve café"


def wl_paste(*args: str) -> bytes:
    done = subprocess.run(["wl-paste", "-n", *args], capture_output=True, timeout=20)
    assert done.returncode == 0, done.stderr
    return done.stdout


def wl_types() -> list[str]:
    done = subprocess.run(["wl-paste", "-l"], capture_output=True, text=True, timeout=10)
    return done.stdout.split() if done.returncode == 0 else []


@pytest.fixture
def owners(sway, tmp_path):
    """``owners(offers)`` starts an :class:`Owner`; all are stopped after the test."""
    made: list[Owner] = []

    def start(offers: dict[str, bytes | None]) -> Owner:
        made.append(Owner(tmp_path, offers))
        return made[-1]

    yield start
    for owner in made:
        owner.stop()


@pytest.fixture
def clipboard(sway):
    subprocess.run(["wl-copy", "--clear"], check=True, timeout=10)
    board = DataControlClipboard()
    yield board
    board.close()


def rich_offers(sway, tmp_path) -> dict[str, bytes]:
    png = sway.screenshot(tmp_path / "shot.png").read_bytes()
    assert png.startswith(b"\x89PNG")
    return {"text/html": b"<p>le <b>caf\xc3\xa9</b></p>", "text/plain": "le café".encode(), "image/png": png}


def test_save_and_restore_text_copied_by_wl_copy(clipboard):
    subprocess.run(["wl-copy", "copied by the user ✓"], check=True, timeout=10)
    copied = {mime: wl_paste("-t", mime) for mime in wl_types()}
    assert set(copied) == set(TEXT_TYPES)
    snapshot = clipboard.save()
    clipboard.set_text(TRANSCRIPT)
    assert wl_paste() == TRANSCRIPT.encode()
    clipboard.restore(snapshot)
    assert wl_types() == list(copied)
    assert {mime: wl_paste("-t", mime) for mime in copied} == copied == {m: "copied by the user ✓".encode() for m in copied}


def test_save_and_restore_html_text_and_png(clipboard, owners, sway, tmp_path):
    offers = rich_offers(sway, tmp_path)
    owner = owners(offers)
    snapshot = clipboard.save()
    assert dict(snapshot.formats) == offers and snapshot.skipped == ()
    clipboard.set_text(TRANSCRIPT)
    owner.proc.wait(10)  # the other program lost the clipboard, and quit: only we have its data now
    clipboard.restore(snapshot)
    assert wl_types() == list(offers)
    for mime, data in offers.items():
        assert wl_paste("-t", mime) == data, mime


def test_empty_clipboard_is_restored_empty(clipboard):
    snapshot = clipboard.save()
    assert snapshot == Snapshot()
    clipboard.set_text(TRANSCRIPT)
    assert wl_types()
    clipboard.restore(snapshot)
    assert wl_types() == [] and clipboard.text() == ""


def test_transcript_reads_back_exactly_with_the_hint(clipboard):
    clipboard.set_text(TRANSCRIPT)
    assert wl_types() == [*TEXT_TYPES, HINT_TYPE]
    for mime in TEXT_TYPES:
        assert wl_paste("-t", mime).decode() == TRANSCRIPT
    assert wl_paste("-t", HINT_TYPE) == b"secret"
    assert clipboard.text() == TRANSCRIPT


def test_only_reads_after_expect_reader_count(clipboard):
    clipboard.set_text(TRANSCRIPT)
    assert wl_paste() == TRANSCRIPT.encode()  # e.g. a clipboard manager, before the paste chord
    assert clipboard.fetched() == 0
    clipboard.expect_reader(None)
    wl_paste("-t", HINT_TYPE)  # the hint is read by managers deciding to skip; not the target
    time.sleep(0.3)
    assert clipboard.fetched() == 0
    assert wl_paste() == TRANSCRIPT.encode()
    wait_for(lambda: clipboard.fetched() == 1, 5, "the read after expect_reader to count")


def _paused_reader() -> subprocess.Popen:
    """A process that becomes ``wl-paste`` (same pid) once a line arrives on its stdin."""
    return subprocess.Popen(["sh", "-c", "read go; exec wl-paste -n"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE)


def _read_as_the_window(reader: subprocess.Popen, clipboard: DataControlClipboard) -> None:
    """Let the paused reader read; its read is the window's: fetched() counts it."""
    reader.stdin.write(b"go\n")
    reader.stdin.flush()
    assert reader.communicate(timeout=10)[0] == TRANSCRIPT.encode()
    wait_for(lambda: clipboard.fetched() == 1, 5, "the window's own read to count")


def test_reads_by_another_process_than_the_window_do_not_count(clipboard):
    target = _paused_reader()
    try:
        clipboard.set_text(TRANSCRIPT)
        clipboard.expect_reader(Window("w1", "target", pid=target.pid))
        assert wl_paste() == TRANSCRIPT.encode()  # a late clipboard manager: another pid
        time.sleep(0.3)
        assert clipboard.fetched() == 0
        _read_as_the_window(target, clipboard)
    finally:
        target.kill()
        target.wait()


def test_a_manager_reading_every_selection_throughout_never_counts(clipboard, tmp_path):
    # The manager (wl-paste --watch, as cliphist runs) reads each new selection at once: before
    # expect_reader (not counted), or just after it on a busy machine (another pid: not counted).
    log = tmp_path / "manager.log"
    manager = subprocess.Popen(["wl-paste", "--watch", "sh", "-c", f"cat >> {log}; echo >> {log}"])
    target = _paused_reader()
    try:
        subprocess.run(["wl-copy", "before"], check=True, timeout=10)
        wait_for(lambda: log.exists() and "before" in log.read_text(), 10, "the manager to be watching")
        clipboard.set_text(TRANSCRIPT)
        clipboard.expect_reader(Window("w1", "target", pid=target.pid))
        wait_for(lambda: TRANSCRIPT in log.read_text(encoding="utf-8"), 10, "the manager to read the transcript")
        time.sleep(0.3)
        assert clipboard.fetched() == 0
        _read_as_the_window(target, clipboard)
    finally:
        for proc in (manager, target):
            proc.kill()
            proc.wait()


def test_another_copy_after_the_transcript_is_left_alone(clipboard):
    subprocess.run(["wl-copy", "old"], check=True, timeout=10)
    snapshot = clipboard.save()
    clipboard.set_text(TRANSCRIPT)
    clipboard.expect_reader(None)
    subprocess.run(["wl-copy", "copied meanwhile"], check=True, timeout=10)
    wait_for(lambda: clipboard.fetched() is None, 5, "the transcript's source to be cancelled")
    clipboard.restore(snapshot)
    assert wl_paste() == b"copied meanwhile"


def test_ten_megabytes_round_trip(clipboard, owners):
    payload = os.urandom(10 << 20)
    owners({"image/png": payload, "text/plain": b"an image"})
    t0 = time.monotonic()
    snapshot = clipboard.save()
    saved_s = time.monotonic() - t0
    clipboard.set_text(TRANSCRIPT)
    clipboard.restore(snapshot)
    t0 = time.monotonic()
    assert wl_paste("-t", "image/png") == payload
    print(f"10 MiB: save {saved_s:.3f} s, wl-paste from us {time.monotonic() - t0:.3f} s")


def test_an_owner_that_never_writes_does_not_hang_save(clipboard, owners):
    owners({"text/html": b"<i>ok</i>", "text/plain": None})
    t0 = time.monotonic()
    snapshot = clipboard.save()
    took = time.monotonic() - t0
    print(f"save with a silent owner: {took:.2f} s")
    assert dict(snapshot.formats) == {"text/html": b"<i>ok</i>"} and snapshot.skipped == ("text/plain",)
    assert took < 3  # the 1 s timeout, not forever


def test_paste_into_a_qt_wayland_window_then_restore(clipboard, owners, sway, tmp_path):
    offers = rich_offers(sway, tmp_path)
    owners(offers)
    target = Target(sway, tmp_path / "target.txt")
    try:
        window = wait_for(lambda: sway.window_of_pid(target.proc.pid), 5, "the target in sway's tree")
        assert window["focused"]
        snapshot = clipboard.save()
        clipboard.set_text(TRANSCRIPT)
        clipboard.expect_reader(Window(str(window["id"]), window["app_id"], pid=window["pid"]))
        sway.wtype("-s", "150", "-M", "ctrl", "-k", "v", "-m", "ctrl")
        wait_for(lambda: target.text() == TRANSCRIPT, 10, "the transcript in the Qt window")
        wait_for(clipboard.fetched, 5, "the Qt window's read to count")
        clipboard.restore(snapshot)
        assert wl_types() == list(offers)
        for mime, data in offers.items():
            assert wl_paste("-t", mime) == data, mime
    finally:
        target.close()


class _WtypePaste:
    """The paste chord through wtype, as a Keyboard for the real Inserter (the sway keyboard
    backend itself is not what this test is about)."""

    def __init__(self, sway):
        self.sway = sway

    def key(self, chord: str, clear_modifiers: bool = False) -> None:
        assert chord == "ctrl+v"
        self.sway.wtype("-s", "150", "-M", "ctrl", "-k", "v", "-m", "ctrl")

    def type(self, text: str, clear_modifiers: bool = False) -> None:
        raise AssertionError("this test pastes")

    def held_modifiers(self) -> bool:
        return False

    def checks(self) -> list:
        return []


def _run(start) -> list:
    """Run ``start(schedule, done)`` with a real-time scheduler on this thread, as Qt timers would."""
    queue: list = []
    order = itertools.count()
    outcomes: list = []
    start(lambda ms, call: heapq.heappush(queue, (time.monotonic() + ms / 1000, next(order), call)),
          outcomes.append)
    deadline = time.monotonic() + 20
    while queue and not outcomes and time.monotonic() < deadline:
        due, _, call = heapq.heappop(queue)
        time.sleep(max(0.0, due - time.monotonic()))
        call()
    return outcomes


def test_the_inserter_pastes_through_it_beside_a_manager_and_restores(clipboard, owners, sway, tmp_path):
    offers = rich_offers(sway, tmp_path)
    owners(offers)
    log = tmp_path / "manager.log"
    manager = subprocess.Popen(["wl-paste", "--watch", "sh", "-c", f"cat >> {log}; echo >> {log}"])
    target = Target(sway, tmp_path / "target.txt")
    try:
        node = wait_for(lambda: sway.window_of_pid(target.proc.pid), 5, "the target in sway's tree")
        window = Window(str(node["id"]), node["app_id"], pid=node["pid"])

        def start(schedule, done):
            inserter = Inserter(clipboard, _WtypePaste(sway), lambda: window, schedule)
            inserter.insert(TRANSCRIPT, window, Method.PASTE, done)

        (outcome,) = _run(start)
        assert outcome.inserted, outcome
        assert target.text() == TRANSCRIPT
        assert TRANSCRIPT in log.read_text(encoding="utf-8")  # the manager read it too, uncounted
        assert wl_types() == list(offers)
        for mime, data in offers.items():
            assert wl_paste("-t", mime) == data, mime
    finally:
        target.close()
        manager.kill()
        manager.wait()
