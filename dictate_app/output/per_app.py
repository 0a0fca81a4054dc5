"""Per-application insertion: the user's app list (settings ``app_overrides``) forces paste or
typing, another paste chord, or an Enter after the text, for the window the text goes to.

Terminals want Ctrl+Shift+V or typing, chat apps an Enter to send; CapsWriter keeps such lists by
hand in code, here they are settings. :class:`PerAppInserter` wraps the
:class:`dictate_app.output.inserter.Inserter` with the same ``insert`` call, so the coordinator is
unchanged. Rules match what the desktop tells of the window (:meth:`Window.describe`: X11's
``WM_CLASS`` and title, a Wayland ``app_id`` and title); where it tells nothing, no override applies.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from dictate_app.desktop.base import Window
from dictate_app.output.strategy import InsertOutcome, Method

log = logging.getLogger(__name__)
ENTER_KEY = "enter"


class Rule(Protocol):
    """A per-app override (:class:`dictate_app.store.settings.AppOverride`) as the lookup sees it."""

    def applies_to(self, app: str | None) -> bool: ...


R = TypeVar("R", bound=Rule)


def override_for(overrides: Sequence[R], app: str | None) -> R | None:
    """The first of ``overrides`` whose ``match`` occurs in ``app`` (window class or name), or None:
    the one per-app lookup (insertion here, the AI mode in ``Settings.ai_mode_for``)."""
    return next((o for o in overrides if o.applies_to(app)), None)


class PerAppInserter:
    """``inner`` with the first matching override of ``overrides()`` applied per insertion."""

    def __init__(self, inner: Any, overrides: Callable[[], Sequence[Any]]):
        self.inner = inner
        self.overrides = overrides

    @property
    def paste_keys(self) -> str:
        return self.inner.paste_keys

    @paste_keys.setter
    def paste_keys(self, value: str) -> None:
        self.inner.paste_keys = value

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def insert_piece(self, text: str, target: Window | None, method: Method | str,
                     on_done: Callable[[InsertOutcome], None]) -> None:
        """:meth:`insert` for a piece of a take still being dictated ("insert as I speak"): the
        override's method and paste keys apply, its Enter waits for the take's last piece."""
        self.insert(text, target, method, on_done, enter_after=False)

    def _override_for(self, target: Window | None) -> tuple[Any, str | None]:
        """The first override that applies to ``target`` (and the app's description)."""
        rules = self.overrides()
        # Without a target (re-insertion from the history) the rules of the focused app apply.
        window = target if target is not None else (self.inner.focused() if rules else None)
        app = window.describe() if window is not None else None
        return override_for(rules, app), app

    def _press_enter(self) -> None:
        try:
            self.inner.keyboard.key(ENTER_KEY)
        except Exception as exc:
            log.warning("Enter after the text failed: %s", exc)

    def enter_after(self, target: Window | None) -> None:
        """The per-app Enter of a take whose words were all inserted as pieces while it was
        dictated: nothing is left to insert at release, and the chat app still wants its Enter."""
        override, _ = self._override_for(target)
        if override is not None and override.auto_enter:
            self._press_enter()

    def insert(self, text: str, target: Window | None, method: Method | str,
               on_done: Callable[[InsertOutcome], None], enter_after: bool = True) -> None:
        override, app = self._override_for(target)
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
            if override.auto_enter and enter_after and outcome.inserted:
                self._press_enter()
            on_done(outcome)

        self.inner.insert(text, target, method, done)
