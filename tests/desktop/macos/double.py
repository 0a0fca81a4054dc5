"""A double of the macOS adapter (dictate_app/desktop/macos/quartz.py) that records every OS call
with its exact numbers (key codes, event flags, pasteboard types) and holds keyboard layouts as
tables of key code -> character, so layout resolution is tested with Dvorak and AZERTY."""

from __future__ import annotations

from dictate_app.desktop.macos import keycodes as kc

# The US (ANSI) layout's letters and digits by key code, from the position table.
US = {code: name for name, code in kc.KEYCODES.items() if len(name) == 1}
US.update({0x2F: ".", 0x2B: ",", 0x2C: "/", 0x29: ";", 0x27: "'", 0x21: "[", 0x1E: "]"})
# Dvorak: what each US position types (the US "." key types "v", the US "v" key types "k").
_DVORAK_BY_US = dict(zip("qwertyuiopasdfghjkl;zxcvbnm,./'", "',.pyfgcrlaoeuidhtns;qjkxbmwvz-"))
DVORAK = {code: _DVORAK_BY_US.get(char, char) for code, char in US.items()}
# French AZERTY: A and Q, Z and W swapped; M where the US ";" is.
_AZERTY_BY_US = {"a": "q", "q": "a", "z": "w", "w": "z", ";": "m", "m": ","}
AZERTY = {code: _AZERTY_BY_US.get(char, char) for code, char in US.items()}
LAYOUTS = {
    "us": (US, US),
    "dvorak": (DVORAK, DVORAK),
    "azerty": (AZERTY, AZERTY),
    "dvorak-qwerty-cmd": (DVORAK, US),  # Dvorak, but QWERTY while Command is held
}


class FakeTap:
    def __init__(self, types, callback, listen_only):
        self.types, self.callback, self.listen_only = tuple(types), callback, listen_only
        self.enabled = 0
        self.stopped = False

    def enable(self):
        self.enabled += 1

    def stop(self):
        self.stopped = True

    def send(self, event_type, keycode=0, flags=0, autorepeat=False):
        """Deliver one event as the tap thread would; what the tap returns (pass on?)."""
        return self.callback(event_type, keycode, flags, autorepeat)


class FakeCarbon:
    def __init__(self, keycode, on_press, on_release, log):
        self.keycode, self.on_press, self.on_release, self.log = keycode, on_press, on_release, log

    def unregister(self):
        self.log.append(("carbon_unregister", self.keycode))


class FakeMac:
    """The adapter's methods over plain state; ``calls`` records the OS calls in order."""

    def __init__(self, layout="us", accessibility=True, listen=True, secure=False):
        self.layout = layout
        self.accessibility = accessibility
        self.listen = listen
        self.secure = secure
        self.flags = 0
        self.calls: list[tuple] = []
        self.tap: FakeTap | None = None
        self.carbon: FakeCarbon | None = None
        self.front = ("com.apple.Terminal", "Terminal", 501)
        self.window_number = 77
        self.title = "~ - zsh"
        self.refuse_tap = False
        # Pasteboard: items of (type, bytes); a promise's lazy types and provider; AppKit's cache.
        self.items: list[list[tuple[str, bytes]]] = []
        self.count = 1
        self.lazy: list[str] = []
        self.provider = None
        self.provided: dict[str, bytes] = {}

    # permissions
    def accessibility_trusted(self, prompt=False):
        if prompt:
            self.calls.append(("ax_prompt",))
        return self.accessibility

    def listen_access(self):
        return self.listen

    def request_listen_access(self):
        self.calls.append(("request_listen",))
        return self.listen

    def open_url(self, url):
        self.calls.append(("open_url", url))

    def secure_input(self):
        return self.secure

    # keys
    def translate(self, keycode, uc_modifiers):
        plain, command = LAYOUTS[self.layout]
        table = command if uc_modifiers & kc.UC_COMMAND else plain
        return table.get(keycode, "")

    def post_key(self, keycode, down, flags):
        self.calls.append(("key", keycode, down, flags))

    def post_unicode(self, text, down, flags):
        self.calls.append(("unicode", text, down, flags))

    def modifier_flags(self):
        return self.flags

    def start_tap(self, types, callback, listen_only):
        if self.refuse_tap:
            raise OSError("macOS refused the event tap")
        self.tap = FakeTap(types, callback, listen_only)
        self.calls.append(("tap", tuple(types), listen_only))
        return self.tap

    def register_hotkey(self, keycode, on_press, on_release):
        self.carbon = FakeCarbon(keycode, on_press, on_release, self.calls)
        self.calls.append(("carbon_register", keycode))
        return self.carbon

    def on_main_thread(self, function):
        self.calls.append(("main_thread",))
        function()

    # focus
    def frontmost(self):
        return self.front

    def front_window_number(self, pid):
        return self.window_number

    def focused_window_title(self, pid):
        self.calls.append(("ax_title", pid))
        return self.title

    # pasteboard
    def pb_change_count(self):
        return self.count

    def pb_items(self):
        out = []
        for entries in self.items:
            row = list(entries)
            for pb_type in self.lazy:
                row.append((pb_type, self.read(pb_type)))
            out.append(row)
        return out

    def pb_write(self, items):
        self.calls.append(("pb_write", [list(e) for e in items]))
        self.items = [list(e) for e in items]
        self.lazy, self.provider, self.provided = [], None, {}
        self.count += 1
        return self.count

    def pb_write_promise(self, eager, lazy_types, provide):
        self.calls.append(("pb_promise", list(eager), list(lazy_types)))
        self.items = [list(eager)]
        self.lazy, self.provider, self.provided = list(lazy_types), provide, {}
        self.count += 1
        return self.count

    # what other apps do
    def read(self, pb_type):
        """Another app reads ``pb_type``: a promised type asks the provider once (AppKit caches it)."""
        if pb_type in self.lazy:
            if pb_type not in self.provided:
                self.provided[pb_type] = self.provider(pb_type)
            return self.provided[pb_type]
        for entries in self.items:
            for t, data in entries:
                if t == pb_type:
                    return data
        return None

    def copy_elsewhere(self, items):
        """Another app (or the user) copies: the pasteboard is no longer ours."""
        self.items = [list(e) for e in items]
        self.lazy, self.provider, self.provided = [], None, {}
        self.count += 1
