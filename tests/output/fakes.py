"""Fakes for the insertion seams: a clipboard and a keyboard that record what they are asked."""

from __future__ import annotations

from dictate_app.output.x11 import InsertError


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

    def active_window(self):
        return self.window

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
