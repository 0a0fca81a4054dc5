"""Who read our clipboard: the requestor of each X11 ``SelectionRequest``, seen before Qt answers it.

Clipboard managers read every new clipboard at once; the target of a paste reads it after the
paste chord, on a busy machine hundreds of milliseconds later. Counting any read as the target's
made Dictate restore the user's old clipboard before the target read, so the target pasted the
*old* clipboard (issue 20: a Qt field reading 300 ms after Ctrl+V got "OLD-CLIP"). Every
``SelectionRequest`` names its requestor window; only reads by the target's X client count.

Same client, not same window: Qt, GTK and Chromium request selections through a hidden window
of their own, which is neither the focused window nor one of its descendants (measured: the Qt
target's window 0xa00007 read through 0xa00011). Every client's windows share its resource-id
base (the bits outside the server's ``resource_id_mask``), so ``requestor & ~mask`` names the
client. The server reuses a base only after that client disconnects.

Qt hands every xcb event to native event filters first (``xcb_generic_event_t``); this filter
only looks and never consumes, so Qt's own clipboard still answers the request.
"""

from __future__ import annotations

import ctypes
import logging
import struct

from PySide6.QtCore import QAbstractNativeEventFilter

log = logging.getLogger(__name__)

SELECTION_REQUEST = 30  # X11 event code
# Targets that are protocol, not content (ICCCM 2.6.2): asking for them is not reading the text.
# A paste asks TARGETS first, then the text; a read-only field asks TARGETS and stops.
PROTOCOL_TARGETS = ("TARGETS", "TIMESTAMP", "DELETE", "INCR", "SAVE_TARGETS", "INSERT_SELECTION",
                    "INSERT_PROPERTY", "x-kde-passwordManagerHint")


class SelectionWatch(QAbstractNativeEventFilter):
    """Counts content reads of the CLIPBOARD selection by one X client (set with :meth:`expect`).

    Install it on the QApplication (``installNativeEventFilter``); the atoms and the client mask
    come from an Xlib connection to the same display (atoms are the server's, not a client's).
    """

    def __init__(self, display_name: str | None = None):
        super().__init__()
        from Xlib import display as xdisplay

        disp = xdisplay.Display(display_name)
        try:
            self._mask = disp.display.info.resource_id_mask
            self._clipboard = disp.intern_atom("CLIPBOARD")
            self._protocol = frozenset(disp.intern_atom(name) for name in PROTOCOL_TARGETS)
        finally:
            disp.close()
        self._client: int | None = None
        self._reads = 0
        self.others = 0  # content reads by other clients since expect() (clipboard managers)

    def client_of(self, window_id: int) -> int:
        return window_id & ~self._mask

    def expect(self, window_id: int | None) -> None:
        """From now on count reads by the client that owns ``window_id`` (None: by any client)."""
        self._client = None if window_id is None else self.client_of(window_id)
        self._reads = 0
        self.others = 0

    def reads(self) -> int:
        """Content reads by the expected client since :meth:`expect`."""
        return self._reads

    def seen(self, requestor: int, selection: int, target: int) -> None:
        """One SelectionRequest (also the seam for tests without an X server)."""
        if selection != self._clipboard or target in self._protocol:
            return
        if self._client is None or self.client_of(requestor) == self._client:
            self._reads += 1
        else:
            self.others += 1
            log.debug("clipboard read by another client (%#x): not the target", requestor)

    def nativeEventFilter(self, event_type, message):  # noqa: N802 (Qt's name)
        if bytes(event_type) == b"xcb_generic_event_t":
            address = int(message)
            if ctypes.c_uint8.from_address(address).value & 0x7F == SELECTION_REQUEST:
                # xcb_selection_request_event_t: type, pad, sequence, time, owner, requestor,
                # selection, target, property.
                _, _, _, _, _, requestor, selection, target, _ = struct.unpack(
                    "=BBHIIIIII", ctypes.string_at(address, 28))
                self.seen(requestor, selection, target)
        return False, 0
