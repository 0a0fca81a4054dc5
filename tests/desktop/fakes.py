"""Fakes for the insertion seams: a clipboard and a keyboard that record what they are asked."""

from __future__ import annotations

from dictate_app.desktop.base import InsertError, Window


class FakeClipboard:
    def __init__(self, content=None, reads=None):
        self.content = content  # a snapshot-like dict of formats, or None
        self.log = []
        # Successive answers of fetched(); None: this clipboard cannot tell (fixed delay).
        self.reads = reads

    def save(self):
        self.log.append("save")
        return None if self.content is None else dict(self.content)

    def restore(self, snapshot):
        self.log.append("restore")
        self.content = snapshot

    def set_text(self, text):
        self.log.append(f"set:{text}")
        self.content = {"text/plain": text.encode()}

    def expect_reader(self, window):
        self.log.append(f"reader:{window.id if window is not None else None}")

    def fetched(self):
        if self.reads is None:
            return None
        return self.reads.pop(0) if self.reads else True

    def text(self):
        return (self.content or {}).get("text/plain", b"").decode()


class FakeKeyboard:
    def __init__(self, window="w1", held=()):
        self.window = window
        self.held = list(held)  # successive answers of held_modifiers(); False when exhausted
        self.sent = []
        self.fail = False

    def focused(self):
        """The focused window (the desktop's WindowSource), as the inserter asks for it."""
        return None if self.window is None else Window(str(self.window))

    def checks(self):
        return []

    def held_modifiers(self):
        return self.held.pop(0) if self.held else False

    def key(self, chord, clear_modifiers=False):
        if self.fail:
            raise InsertError("xdotool is not installed.")
        self.sent.append(("key", chord, clear_modifiers))

    def type(self, text, clear_modifiers=False):
        if self.fail:
            raise InsertError("xdotool is not installed.")
        self.sent.append(("type", text, clear_modifiers))


class FakeHotkeySource:
    """A HotkeySource that records what it is asked and hands its callbacks to the test."""

    keeps_key_from_app = True

    def __init__(self, warning=None):
        self.warning, self.started, self.escape_wanted, self.stopped = warning, None, [], 0

    def start(self, key, press, release, escape):
        self.started = key
        self.press, self.release, self.escape = press, release, escape
        return self.warning

    def stop(self):
        self.stopped += 1

    def set_escape(self, wanted):
        self.escape_wanted.append(wanted)

    def checks(self):
        return []


def fake_desktop(keyboard=None, clipboard=None, hotkey=None):
    """A :class:`dictate_app.desktop.base.Desktop` of fakes (the keyboard also tells the focus)."""
    from dictate_app.desktop.base import Desktop

    keyboard = keyboard or FakeKeyboard()
    clipboard = clipboard or FakeClipboard({"text/plain": b"OLD"})
    return Desktop("fake", "a test's fakes", hotkey or FakeHotkeySource(), keyboard, keyboard,
                   lambda: clipboard)
