"""The insertion sequence: focus check, wait for modifiers, paste (clipboard saved and restored)
or type, then report an :class:`InsertOutcome`.

It never sleeps: every wait goes through ``schedule(delay_ms, callback)`` (a Qt single-shot timer
in the app, an instant or recorded call in tests). That matters for paste: on X11 and Wayland the
target fetches the clipboard *from our process* after the paste chord, so our event loop (or the
clipboard's own thread) must keep serving until it has; a sleeping thread would hand it nothing.
The desktop's parts (keyboard, clipboard, focused window) come from :mod:`dictate_app.desktop`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from dictate_app.desktop.base import FETCH_GRACE_MS, Clipboard, Keyboard, Window
from dictate_app.desktop.keys import chord_label
from dictate_app.errors import DictateError
from dictate_app.output.strategy import InsertOutcome, Method, choose_method

log = logging.getLogger(__name__)

Schedule = Callable[[int, Callable[[], None]], None]
Focused = Callable[[], "Window | None"]

FOCUS_MOVED = ("The window changed while you were speaking: the text is on the clipboard, "
               f"paste it with {chord_label('ctrl+v')}.")
NOT_PASTED = ("The window did not take the paste: the text is on the clipboard, paste it by hand "
              "(terminals: Ctrl+Shift+V), or choose typing for this app.")


class Inserter:
    """Inserts transcripts into the window that had focus when recording started.

    ``restore_delay_ms``: time between the paste chord and restoring the old clipboard; targets
    read the clipboard asynchronously, 150-300 ms is usually safe, but not on a busy machine. So
    when the clipboard can tell that the target has read the transcript (``fetched()``), the old
    content comes back ``fetch_grace_ms`` after the target's last read (Chromium reads several
    formats per paste); ``restore_delay_ms`` is only the fallback for clipboards that cannot tell.
    Only the target's reads count: a clipboard manager reads every new clipboard at once, and
    restoring after *its* read pasted the user's previous clipboard into a slow target (issue 20).
    A transcript the target never read was never pasted: it stays on the clipboard and the
    outcome says so (verified insertion, X11). ``modifier_wait_ms``: how long to wait
    for the user to let go of Ctrl/Shift/Alt before sending keys anyway with the modifiers
    cleared, so a still-held Ctrl does not turn the paste into another shortcut.
    """

    def __init__(
        self,
        clipboard: Clipboard,
        keyboard: Keyboard,
        focused: Focused,
        schedule: Schedule,
        *,
        paste_keys: str = "ctrl+v",
        can_paste: bool = True,
        restore_delay_ms: int = 250,
        fetch_grace_ms: int = FETCH_GRACE_MS,
        fetch_timeout_ms: int = 1500,
        modifier_wait_ms: int = 600,
        poll_ms: int = 20,
    ):
        self.clipboard = clipboard
        self.keyboard = keyboard
        self.focused = focused
        self.schedule = schedule
        self.paste_keys = paste_keys
        self.can_paste = can_paste
        self.restore_delay_ms = restore_delay_ms
        self.fetch_grace_ms = fetch_grace_ms
        self.fetch_timeout_ms = fetch_timeout_ms
        self.modifier_wait_ms = modifier_wait_ms
        self.poll_ms = poll_ms

    def insert(
        self,
        text: str,
        target: Window | None,
        method: Method | str,
        on_done: Callable[[InsertOutcome], None],
    ) -> None:
        """Insert ``text`` into ``target`` (the window focused at key-down; None: don't check).

        ``on_done`` is called exactly once, possibly before this returns.
        """
        chosen = choose_method(text, method, self.can_paste)
        self._wait_for_modifiers(text, target, chosen, on_done, waited_ms=0)

    def _wait_for_modifiers(self, text, target, method, on_done, waited_ms: int) -> None:
        held = self.keyboard.held_modifiers()
        if held and waited_ms < self.modifier_wait_ms:
            self.schedule(
                self.poll_ms,
                lambda: self._wait_for_modifiers(text, target, method, on_done, waited_ms + self.poll_ms),
            )
            return
        # Focus is checked last, right before sending keys: that is the moment that matters.
        now = self.focused()
        if target is not None and (now is None or now.id != target.id):
            self.clipboard.set_text(text)
            on_done(InsertOutcome("clipboard", method, FOCUS_MOVED))
            return
        if method is Method.TYPE:
            self._type(text, held, on_done)
        else:
            self._paste(text, now, held, on_done)

    def _type(self, text, clear, on_done) -> None:
        try:
            self.keyboard.type(text, clear_modifiers=clear)
        except DictateError as exc:
            self.clipboard.set_text(text)
            on_done(InsertOutcome("failed", Method.TYPE, str(exc)))
            return
        on_done(InsertOutcome("inserted", Method.TYPE))

    def _paste(self, text, reader, clear, on_done) -> None:
        try:
            snapshot = self.clipboard.save()
            self.clipboard.set_text(text)
        except DictateError as exc:
            # Another program holds the clipboard open (Windows): no chord, it would paste the old content.
            on_done(InsertOutcome("failed", Method.PASTE, str(exc)))
            return
        self.clipboard.expect_reader(reader)  # the window the chord goes to; its app's reads count
        try:
            self.keyboard.key(self.paste_keys, clear_modifiers=clear)
        except DictateError as exc:
            # Keep the transcript on the clipboard: the user can still paste it by hand.
            on_done(InsertOutcome("failed", Method.PASTE, str(exc)))
            return

        def restore() -> None:
            try:
                self.clipboard.restore(snapshot)
            except Exception:  # a clipboard we cannot restore must not lose the report
                log.warning("could not restore the clipboard", exc_info=True)
            on_done(InsertOutcome("inserted", Method.PASTE))

        def not_pasted() -> None:
            # Nobody read the clipboard, so nothing was pasted (on X11 the text can only come
            # from us): keep the transcript there rather than the old content.
            log.warning("the target did not read the clipboard")
            on_done(InsertOutcome("clipboard", Method.PASTE, NOT_PASTED))

        self._restore_after_fetch(restore, not_pasted, waited_ms=0)

    def _restore_after_fetch(self, restore: Callable[[], None], not_pasted: Callable[[], None],
                             waited_ms: int) -> None:
        """Restore once the target has read the transcript, or after a fixed delay when the
        clipboard cannot tell; report "not pasted" if the target never reads it."""
        fetched = self.clipboard.fetched()
        if fetched is None:
            self.schedule(self.restore_delay_ms, restore)
        elif fetched:
            self.schedule(self.fetch_grace_ms, lambda: self._restore_after_reads(restore, fetched, waited_ms))
        elif waited_ms >= self.fetch_timeout_ms:
            not_pasted()
        else:
            self.schedule(self.poll_ms,
                          lambda: self._restore_after_fetch(restore, not_pasted, waited_ms + self.poll_ms))

    def _restore_after_reads(self, restore: Callable[[], None], reads: int, waited_ms: int) -> None:
        """Restore once the target has stopped reading for ``fetch_grace_ms`` (bounded in time)."""
        now = self.clipboard.fetched()
        waited_ms += self.fetch_grace_ms
        if now is not None and now > reads and waited_ms < self.fetch_timeout_ms:
            self.schedule(self.fetch_grace_ms, lambda: self._restore_after_reads(restore, now, waited_ms))
        else:
            restore()
