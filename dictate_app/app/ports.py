"""What the coordinator and its helpers (live words, AI modes, hands-free) ask of their
collaborators: the popup, the history recorder and the inserter, as typed interfaces.

The app's parts implement them (:class:`dictate_app.app.popup.Popup`,
:class:`dictate_app.app.history_recorder.HistoryRecorder`,
:class:`dictate_app.output.per_app.PerAppInserter`); tests check that they do
(``tests/app/test_ports.py``), so a renamed method fails there, not in the middle of a take.
Every method named here is called as it is: no ``getattr`` probes for optional ones.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    import numpy as np

    from dictate_app.app.live_text import LiveView
    from dictate_app.app.popup_text import PopupContent
    from dictate_app.desktop.base import Window
    from dictate_app.engine.result import Transcript
    from dictate_app.output.strategy import InsertOutcome, Method


@runtime_checkable
class PopupView(Protocol):
    """The popup: what a take shows from key-down to its result."""

    def show_recording(self, live: bool = False) -> None: ...
    def show_live(self, view: LiveView) -> None: ...
    def show_transcribing(self, ahead: int = 0, waiting_for_model: bool = False) -> None: ...
    def show_content(self, content: PopupContent, status: str = "") -> None: ...
    def show_ai_mode(self, mode: str, content: PopupContent) -> None: ...
    def show_ai_text(self, text: str) -> None: ...
    def show_message(self, text: str, note: str = "", warning: bool = True) -> None: ...
    def set_countdown(self, seconds_left: float | None) -> None: ...
    def set_level(self, rms: float) -> None: ...


@runtime_checkable
class HistoryLog(Protocol):
    """The history recorder: each take saved before it is inserted (raises on a refused write)."""

    @property
    def keeps_audio(self) -> bool:
        """The take's samples go into its row (so the recorder keeps them all)."""

    def append(self, transcript: Transcript, *, target: str | None = None, uid: int | None = None,
               audio: np.ndarray | None = None) -> int: ...
    def progress(self, transcript: Transcript, *, target: str | None = None, uid: int) -> int: ...
    def processed(self, uid: int, mode: str, processed: str | None, error: str = "") -> None: ...


@runtime_checkable
class TextInserter(Protocol):
    """The inserter: ``on_done(InsertOutcome)`` exactly once per ``insert``/``insert_piece``."""

    paste_keys: str

    def insert(self, text: str, target: Window | None, method: Method | str,
               on_done: Callable[[InsertOutcome], None]) -> None: ...

    def insert_piece(self, text: str, target: Window | None, method: Method | str,
                     on_done: Callable[[InsertOutcome], None]) -> None:
        """A piece of a take still being dictated ("insert as I speak"): no per-app Enter after it."""

    def enter_after(self, target: Window | None) -> None:
        """The per-app Enter of a take whose words all went in as pieces (nothing left at release)."""
