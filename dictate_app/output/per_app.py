"""Per-application insertion: the user's app list (settings ``app_overrides``) forces paste or
typing, another paste chord, or an Enter after the text, for the window the text goes to.

Terminals want Ctrl+Shift+V or typing, chat apps an Enter to send; CapsWriter keeps such lists by
hand in code, here they are settings. :class:`PerAppInserter` wraps the
:class:`dictate_app.output.inserter.Inserter` with the same ``insert`` call, so the coordinator is
unchanged. The window's application is read from X11's ``WM_CLASS`` and title (python-xlib, which
the inserter already uses); elsewhere it is unknown and no override applies.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from dictate_app.output.strategy import InsertOutcome, Method

log = logging.getLogger(__name__)
ENTER_KEY = "Return"  # xdotool's name


def window_app(window_id: str | None) -> str | None:
    """``"<instance> <class> <title>"`` of an X11 window id (as xdotool prints it), or None."""
    if not window_id:
        return None
    try:
        from Xlib import display as xdisplay

        disp = xdisplay.Display()
        try:
            window = disp.create_resource_object("window", int(window_id))
            wm_class = window.get_wm_class() or ()
            name = window.get_wm_name() or ""
        finally:
            disp.close()
    except Exception as exc:  # no X11, a window that is gone: no override, not an error
        log.debug("window %s: no application name (%s)", window_id, exc)
        return None
    if isinstance(name, bytes):
        name = name.decode("utf-8", "replace")
    return " ".join(part for part in (*wm_class, name) if part) or None


class PerAppInserter:
    """``inner`` with the first matching override of ``overrides()`` applied per insertion."""

    def __init__(self, inner: Any, overrides: Callable[[], Sequence[Any]],
                 app_of: Callable[[str | None], str | None] = window_app):
        self.inner = inner
        self.overrides = overrides
        self.app_of = app_of

    @property
    def paste_keys(self) -> str:
        return self.inner.paste_keys

    @paste_keys.setter
    def paste_keys(self, value: str) -> None:
        self.inner.paste_keys = value

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def insert(self, text: str, target: str | None, method: Method | str,
               on_done: Callable[[InsertOutcome], None]) -> None:
        rules = self.overrides()
        app = self.app_of(target) if rules else None
        override = next((o for o in rules if o.applies_to(app)), None)
        if override is None:
            self.inner.insert(text, target, method, on_done)
            return
        log.info("per-app override %r for %r", override.match, app)
        if override.method:
            method = Method(override.method)
        saved_keys = self.inner.paste_keys
        if override.paste_keys:
            # One insertion at a time (the lifecycle serialises them): restored when it is done.
            self.inner.paste_keys = override.paste_keys

        def done(outcome: InsertOutcome) -> None:
            self.inner.paste_keys = saved_keys
            if override.auto_enter and outcome.inserted:
                try:
                    self.inner.keyboard.key(ENTER_KEY)
                except Exception as exc:
                    log.warning("Enter after the text failed: %s", exc)
            on_done(outcome)

        self.inner.insert(text, target, method, done)
