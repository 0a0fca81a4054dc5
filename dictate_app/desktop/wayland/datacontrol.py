"""The Wayland clipboard through the data-control protocols, in-process: every format, no helpers.

A Wayland client may touch the clipboard only while it has keyboard focus, unless the
compositor offers a data-control protocol (made for clipboard managers): wlroots compositors
(sway, Hyprland, river, Wayfire) and KDE offer ``zwlr_data_control_manager_v1``, newer ones also
the standard ``ext_data_control_manager_v1`` (preferred here); GNOME offers neither. ``wl-copy``
would need a process per set, offers one MIME type per process and cannot say who read it
(OpenWhispr pasted the previous clipboard because of a 50 ms wl-copy timeout, #2220). So this
module speaks the protocol itself (:mod:`.wire`), with its own connection:

- ``save`` reads every type the current selection offers, in parallel through pipes; an owner
  that stops writing for :data:`TYPE_TIMEOUT_S` loses the types not finished (it must not hang
  the GUI thread), and at most :data:`SAVE_LIMIT_BYTES` are kept.
- ``restore`` and ``set_text`` make a source served from this process, by a dispatch thread that
  runs whatever the GUI thread does; each read is written by a thread of its own (a 10 MB image
  must not stop the dispatch of others), which gives up on a reader that stalls for
  :data:`WRITE_STALL_S`. The data stays in memory while we own the selection, and the selection
  empties when Dictate quits (nothing keeps it without a helper process).
- Reads: Wayland never says who reads. A clipboard manager reads every new selection at once,
  before the paste chord; the target reads after it. So only reads of a text type (not the hint)
  after :meth:`DataControlClipboard.expect_reader` count, and when the focused window's pid is
  known, only reads by that process (:mod:`.pipes`, from /proc). Where /proc cannot tell (an
  app in a sandbox that hides its fds), a clipboard manager that reads *late*, after the chord,
  would be taken for the target.
"""

from __future__ import annotations

import logging
import os
import select
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial

from dictate_app.desktop import base
from dictate_app.desktop.base import MANAGER_HINT, X11_PROTOCOL_TARGETS, Check, Window
from dictate_app.desktop.wayland import pipes
from dictate_app.desktop.wayland.wire import Connection, Global, Proxy, Registry, WaylandError
from dictate_app.errors import DictateError

log = logging.getLogger(__name__)

PROTOCOLS = ("ext_data_control_manager_v1", "zwlr_data_control_manager_v1")  # preferred first
# What wl-copy offers for text (wl-clipboard 2.1, measured: `wl-paste -l`), all as UTF-8 bytes.
# GTK 4 reads text/plain;charset=utf-8 first (gdkcontentdeserializer.c); so does Qt 6 (measured).
TEXT_TYPES = ("text/plain;charset=utf-8", "text/plain", "UTF8_STRING", "STRING", "TEXT")
# Read back in this order of preference (text()).
_TEXT_PREFERENCE = ("text/plain;charset=utf-8", "UTF8_STRING", "text/plain", "STRING", "TEXT")
# base.MANAGER_HINT: Klipper and CopyQ (hluk/CopyQ#2500, 2023) leave such content out of their
# history. On wlroots, cliphist (and clipse) skip CLIPBOARD_STATE=sensitive, which
# `wl-paste --watch` sets when the hint is offered only since a change made after release 2.2.1
# (bugaevc/wl-clipboard 1e50b65, in 2.3.0; Debian 12 has 2.1.0); clipman has no such rule
# (yory8/clipman#52 closed without one).
HINT_TYPE, HINT_VALUE = MANAGER_HINT
TYPE_TIMEOUT_S = 1.0  # an owner silent this long (on every type still pending) is given up
SAVE_DEADLINE_S = 5.0  # and a whole save never takes longer (an owner trickling forever)
# Text, HTML and file lists are kilobytes; an image is a PNG of a few MB, or raw: a 3840x2160
# RGBA bitmap is 33 MB. 64 MiB holds that plus its PNG; past it, types not yet complete are dropped.
SAVE_LIMIT_BYTES = 64 << 20
WRITE_STALL_S = 5.0


class ClipboardUnavailable(DictateError):
    """The compositor offers no way to use the clipboard without focus (GNOME)."""


@dataclass(frozen=True)
class Snapshot:
    """A saved clipboard: each type's bytes, in the owner's order (empty: the clipboard was
    empty). ``skipped``: types the owner did not deliver in time or past the size limit."""

    formats: tuple[tuple[str, bytes], ...] = ()
    skipped: tuple[str, ...] = ()

    def types(self) -> list[str]:
        return [mime for mime, _ in self.formats]


@dataclass(eq=False)
class _Source:
    data: dict[str, bytes]
    text: str | None  # set by set_text (the transcript), else a restore
    proxy: Proxy | None = None
    cancelled: bool = False
    expect_pid: int | None = None
    expecting: bool = False
    target_reads: int = 0


@dataclass(eq=False)
class _Offer:
    proxy: Proxy
    types: list[str] = field(default_factory=list)
    pins: int = 0
    stale: bool = False


_NO_PROTOCOL = "offers no data-control protocol (GNOME has none)"


def clipboard_checks(globals_: Iterable[Global]) -> list[Check]:
    """The clipboard's rows for ``dictate-app doctor``, from the compositor's globals."""
    offered = {g.interface: g.version for g in globals_}
    protocol = next((p for p in PROTOCOLS if p in offered), None)
    if protocol is None:
        why = f"this compositor {_NO_PROTOCOL}"
        return [
            Check("paste", base.UNSUPPORTED,
                  f"{why}, so Dictate cannot set the clipboard while another app has focus.",
                  "Dictate types the text instead; choose typing as the insertion method."),
            Check("clipboard read detection", base.UNSUPPORTED, f"{why}: nothing to watch."),
            Check("clipboard-manager hint", base.UNSUPPORTED, f"{why}: the clipboard is not used."),
        ]
    return [
        Check("clipboard read detection", base.OK,
              f"reads of the transcript are seen through {protocol} version {offered[protocol]}; the "
              "target's read is the one after the paste chord by the focused window's process."),
        Check("clipboard-manager hint", base.OK,
              f"the transcript is marked {HINT_TYPE}=secret: Klipper and CopyQ keep it out of their "
              "history, cliphist only behind wl-paste 2.3 or later, clipman does not."),
    ]


class DataControlClipboard:
    """:class:`dictate_app.desktop.base.Clipboard` over ext/wlr data-control (see the module
    docstring). Raises :class:`ClipboardUnavailable` when the compositor offers neither, and
    :class:`~.wire.WaylandError` when it cannot be reached."""

    def __init__(self, display: str | None = None, *, type_timeout_s: float = TYPE_TIMEOUT_S,
                 limit_bytes: int = SAVE_LIMIT_BYTES):
        self.type_timeout_s = type_timeout_s
        self.limit_bytes = limit_bytes
        self._cv = threading.Condition()
        self._offers: dict[Proxy, _Offer] = {}
        self._selection: _Offer | None = None
        self._owned: _Source | None = None  # our source that is the selection now
        self._text_source: _Source | None = None  # the last set_text's, for fetched()
        self._finished = False
        self._conn = Connection.connect(display)
        try:
            registry = Registry(self._conn)
            self._conn.roundtrip()
            self.globals = list(registry.globals.values())
            self.protocol = next((p for p in PROTOCOLS if registry.find(p)), None)
            if self.protocol is None:
                raise ClipboardUnavailable(f"This compositor {_NO_PROTOCOL}, so Dictate cannot paste "
                                           "through the clipboard: choose typing as the insertion method.")
            seat = registry.bind("wl_seat", 1)
            # Version 1: the wlr manager then sends no primary selection (ext v1 does: dropped).
            self._manager = registry.bind(self.protocol, 1)
            self._device = self._manager.request("get_data_device", None, seat, handlers={
                "data_offer": self._on_data_offer, "selection": self._on_selection,
                "primary_selection": self._on_primary, "finished": self._on_finished})
            self._conn.roundtrip()  # the current selection arrives
            self._conn.start("wayland-clipboard")
        except BaseException:
            self._conn.close()
            raise

    # ---- the dispatch thread's side -----------------------------------------------------------

    def _on_data_offer(self, proxy: Proxy) -> None:
        offer = _Offer(proxy)
        proxy.on("offer", offer.types.append)  # the offer's types follow before its selection
        with self._cv:
            self._offers[proxy] = offer

    def _on_selection(self, proxy: Proxy | None) -> None:
        with self._cv:
            old, self._selection = self._selection, self._offers.pop(proxy, None) if proxy else None
            if old is not None:
                self._drop(old)
            self._cv.notify_all()

    def _on_primary(self, proxy: Proxy | None) -> None:
        with self._cv:
            offer = self._offers.pop(proxy, None) if proxy else None
            if offer is not None:
                self._drop(offer)  # the primary selection is not ours to keep or restore

    def _on_finished(self) -> None:
        with self._cv:
            self._finished = True

    def _drop(self, offer: _Offer) -> None:
        """Destroy an offer no longer current, once no save() is reading from it (under _cv)."""
        if offer.pins:
            offer.stale = True
            return
        try:
            if offer.proxy.alive:
                offer.proxy.request("destroy")
        except WaylandError:
            pass  # the connection is gone: nothing to destroy

    def _on_cancelled(self, source: _Source) -> None:
        with self._cv:
            source.cancelled = True
            if self._owned is source:
                self._owned = None
            self._cv.notify_all()
        try:
            source.proxy.request("destroy")  # type: ignore[union-attr]
        except WaylandError:
            pass

    def _on_send(self, source: _Source, mime: str, fd: int) -> None:
        with self._cv:
            counts = source is self._text_source and source.expecting and mime != HINT_TYPE
            pid = source.expect_pid
        threading.Thread(target=self._serve, args=(source, mime, fd, counts, pid),
                         name="wayland-clipboard-write", daemon=True).start()

    def _serve(self, source: _Source, mime: str, fd: int, counts: bool, pid: int | None) -> None:
        """Write one read's bytes (a thread per read), then count it if it was the target's."""
        data = source.data.get(mime)
        if data is None:
            os.close(fd)
            return
        if counts and pid is not None:
            # Before writing: the reader holds its end until we close ours.
            verdict = pipes.read_by(fd, pid)
            counts = verdict is not False
            log.debug("read of %s: by the target's process %s", mime, verdict)
        if pipes.write_all(fd, data, WRITE_STALL_S) and counts:
            with self._cv:
                source.target_reads += 1
                self._cv.notify_all()

    # ---- the GUI thread's side ----------------------------------------------------------------

    def _check(self) -> None:
        if self._finished:
            raise ClipboardUnavailable("the compositor withdrew Dictate's clipboard access: restart Dictate.")

    def _own(self, data: dict[str, bytes], text: str | None) -> None:
        """Make a source of ``data`` the selection, and return once the compositor has it."""
        with self._cv:
            self._check()
            source = _Source(data, text)
            source.proxy = self._manager.request("create_data_source", None, handlers={
                "send": partial(self._on_send, source), "cancelled": partial(self._on_cancelled, source)})
            for mime in data:
                source.proxy.request("offer", mime)
            self._device.request("set_selection", source.proxy)
            self._owned = source
            if text is not None:
                self._text_source = source
        self._conn.roundtrip()

    def set_text(self, text: str) -> None:
        """Put ``text`` on the clipboard as every text type, marked for clipboard managers."""
        encoded = text.encode("utf-8")
        self._own({**{mime: encoded for mime in TEXT_TYPES}, HINT_TYPE: HINT_VALUE}, text)

    def save(self) -> Snapshot:
        """Every type of the current selection and its bytes (see the module docstring)."""
        self._conn.roundtrip()  # the latest selection events are in
        with self._cv:
            self._check()
            if self._owned is not None:
                return Snapshot(tuple(self._owned.data.items()))
            offer = self._selection
            if offer is None:
                return Snapshot()
            types = [mime for mime in offer.types if mime not in X11_PROTOCOL_TARGETS]
            offer.pins += 1
        try:
            got = self._receive(offer, types)
        finally:
            self._unpin(offer)
        snapshot = Snapshot(tuple((m, got[m]) for m in types if m in got), tuple(m for m in types if m not in got))
        log.debug("clipboard saved: %s, skipped %s", {m: len(b) for m, b in snapshot.formats}, snapshot.skipped)
        return snapshot

    def restore(self, snapshot: Snapshot) -> None:
        """Offer the saved types again (an empty snapshot empties the clipboard). Left alone when
        another program replaced the transcript with something else meanwhile (the user copied)."""
        with self._cv:
            replaced = self._text_source is not None and self._text_source.cancelled and self._owned is None
            transcript = self._text_source.text if self._text_source else None
        if replaced:
            current = self.text()
            if current and current != transcript:
                log.info("the clipboard changed after the transcript was set: not restoring over it")
                return
        if snapshot.formats:
            self._own(dict(snapshot.formats), None)
            return
        with self._cv:
            self._check()
            self._device.request("set_selection", None)
            self._owned = None
        self._conn.roundtrip()

    def text(self) -> str:
        """The clipboard's text now ("" when it holds none)."""
        self._conn.roundtrip()
        with self._cv:
            self._check()
            if self._owned is not None:
                data = self._owned.data
                return next((data[m] for m in _TEXT_PREFERENCE if m in data), b"").decode("utf-8", "replace")
            offer = self._selection
            mime = next((m for m in _TEXT_PREFERENCE if offer and m in offer.types), None)
            if offer is None or mime is None:
                return ""
            offer.pins += 1
        try:
            return self._receive(offer, [mime]).get(mime, b"").decode("utf-8", "replace")
        finally:
            self._unpin(offer)

    def expect_reader(self, window: Window | None) -> None:
        """Count reads of the transcript from now on (right before the paste chord), by
        ``window``'s process when its pid is known."""
        with self._cv:
            if self._text_source is not None:
                self._text_source.expecting = True
                self._text_source.expect_pid = window.pid if window else None

    def fetched(self) -> int | None:
        """How often the target has read the transcript (0: not yet; a browser reads several
        types per paste). None when there is none, or when another program took the clipboard
        before any counted read: a clipboard manager that takes over every selection
        (wl-clip-persist) then serves the target itself, so the read cannot be seen; the
        inserter restores after its fixed delay (and restore() leaves a clipboard alone that the
        user changed)."""
        with self._cv:
            source = self._text_source
            if source is None or (source.cancelled and not source.target_reads):
                return None
            return source.target_reads

    def checks(self) -> list[Check]:
        return clipboard_checks(self.globals)

    def close(self) -> None:
        """Disconnect: the compositor drops our sources (a selection we own empties)."""
        self._conn.close()

    # ---- reading ------------------------------------------------------------------------------

    def _unpin(self, offer: _Offer) -> None:
        with self._cv:
            offer.pins -= 1
            if offer.stale and not offer.pins:
                self._drop(offer)

    def _receive(self, offer: _Offer, types: list[str]) -> dict[str, bytes]:
        """Ask for every type at once and read all pipes until each ends, or nothing arrives
        for ``type_timeout_s``, or the deadline. Past the size limit, the biggest unfinished
        type is dropped (and the others read on), so small types survive a huge one."""
        pending: dict[int, tuple[str, bytearray]] = {}
        got: dict[str, bytes] = {}
        poller = select.poll()
        try:
            for mime in types:
                r, w = os.pipe()
                try:
                    offer.proxy.request("receive", mime, w)
                finally:
                    os.close(w)
                os.set_blocking(r, False)
                pending[r] = (mime, bytearray())
                poller.register(r, select.POLLIN)
            total, deadline = 0, time.monotonic() + SAVE_DEADLINE_S
            while pending:
                wait = min(self.type_timeout_s, deadline - time.monotonic())
                events = poller.poll(wait * 1000) if wait > 0 else []
                if not events:
                    log.warning("the clipboard's owner did not deliver %s in time", [m for m, _ in pending.values()])
                    break
                for fd, _ in events:
                    if fd not in pending:  # dropped in this round
                        continue
                    mime, buffer = pending[fd]
                    try:
                        chunk = os.read(fd, 1 << 16)
                    except BlockingIOError:
                        continue
                    buffer += chunk
                    total += len(chunk)
                    if not chunk:
                        got[mime] = bytes(buffer)
                        self._forget(poller, pending, fd)
                    elif total > self.limit_bytes:
                        biggest = max(pending, key=lambda f: len(pending[f][1]))
                        log.warning("the clipboard holds over %d MiB: %s not saved", self.limit_bytes >> 20,
                                    pending[biggest][0])
                        total -= len(pending[biggest][1])
                        self._forget(poller, pending, biggest)
        finally:
            for fd in pending:
                os.close(fd)
        return got

    @staticmethod
    def _forget(poller: select.poll, pending: dict[int, tuple[str, bytearray]], fd: int) -> None:
        poller.unregister(fd)
        os.close(fd)
        del pending[fd]

