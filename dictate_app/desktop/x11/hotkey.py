"""The X11 hotkey: pynput watches the key (RECORD), a grab on the focused window keeps it from the
app without deactivating it (:mod:`dictate_app.desktop.x11.keygrab`)."""

from __future__ import annotations

from collections.abc import Callable

from dictate_app.desktop.base import MISSING, OK, UNSUPPORTED, Check, PressCallback
from dictate_app.desktop.keys import MODIFIER_KEYS, key_label, keysym_value, normalize_key
from dictate_app.desktop.pynput_keys import start_listener


class X11Hotkey:
    """:class:`dictate_app.desktop.base.HotkeySource` on an X display."""

    def __init__(self, display_name: str | None = None):
        self.display_name = display_name
        self.key = ""
        self._listener = None
        self._grab = None

    @property
    def keeps_key_from_app(self) -> bool:
        return self._grab is not None and self._grab.active

    def start(self, key: str, press: PressCallback, release: PressCallback,
              escape: Callable[[], None]) -> str | None:
        self.key = normalize_key(key)
        self._listener = start_listener(self.key, press, release, escape)
        if self.key in MODIFIER_KEYS:
            return None  # never grabbed (see keygrab); holding one alone types nothing anyway
        from dictate_app.desktop.x11.keygrab import KeyGrab

        grab = KeyGrab(self.key, keysym_value(self.key), self.display_name)
        problem = grab.start()
        if problem:
            return f"The hotkey works, but {problem}: choose another key with --hotkey if that is a problem."
        self._grab = grab
        return None

    def stop(self) -> None:
        if self._grab is not None:
            self._grab.stop()
            self._grab = None
        if self._listener is not None:
            self._listener.stop()
            self._listener = None

    def set_escape(self, wanted: bool) -> None:
        """Nothing to do: pynput watches Esc without taking it from the focused app."""

    def checks(self) -> list[Check]:
        rows = []
        try:
            from Xlib import display as xdisplay

            disp = xdisplay.Display(self.display_name)
            try:
                record = disp.has_extension("RECORD")
            finally:
                disp.close()
        except Exception as exc:
            return [Check("hotkey", UNSUPPORTED, f"the X display cannot be opened ({exc}).",
                          "start Dictate inside your desktop session")]
        if record:
            rows.append(Check("hotkey", OK, "pynput watches the key through the X RECORD extension."))
        else:
            rows.append(Check("hotkey", MISSING, "the X server lacks the RECORD extension pynput watches keys with.",
                              "enable RECORD in the X server (Xvfb: +extension RECORD), or bind "
                              "`dictate-app toggle` in your window manager"))
        key = self.key or "f9"
        if key in MODIFIER_KEYS:
            rows.append(Check("key kept from the app", OK, f"{key_label(key)} is a modifier: it is not grabbed, "
                                                           "and held alone it types nothing."))
            return rows
        from dictate_app.desktop.x11.keygrab import KeyGrab

        problem = None if self._grab is not None else KeyGrab(key, keysym_value(key), self.display_name).probe()
        if problem:
            rows.append(Check("key kept from the app", MISSING, f"{problem}.",
                              "choose another hotkey (--hotkey or Settings), or free the key in that program"))
        else:
            rows.append(Check("key kept from the app", OK, f"{key_label(key)} is grabbed on the focused window: "
                                                           "the app does not receive it and stays active."))
        return rows
