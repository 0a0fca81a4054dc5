"""The clipboard interface insertion needs; backends (Qt's clipboard, fakes) implement it."""

from __future__ import annotations

from typing import Any, Protocol

# X11 selection targets that are protocol, not content (ICCCM 2.6.2). Qt lists them among the
# formats of a foreign clipboard (and a Wayland compositor's X11 bridge could pass them on).
# Asking for DELETE or INSERT_* makes the owner *act* (xsel empties its selection on DELETE: the
# user's clipboard was destroyed by our save), and the rest are metadata a restore must not replay.
X11_PROTOCOL_TARGETS = frozenset({
    "TARGETS", "MULTIPLE", "TIMESTAMP", "DELETE", "INCR", "SAVE_TARGETS",
    "INSERT_SELECTION", "INSERT_PROPERTY",
})


class Clipboard(Protocol):
    """A system clipboard that can be saved whole and restored.

    ``save`` returns an opaque snapshot of every format on the clipboard (text, HTML, images,
    files...), not just text, so that pasting a transcript does not destroy what the user copied.
    """

    def save(self) -> Any: ...

    def restore(self, snapshot: Any) -> None: ...

    def set_text(self, text: str) -> None: ...

    def text(self) -> str: ...

    def fetched(self) -> bool | None:
        """Whether another program has read what ``set_text`` put there (None: cannot tell)."""
        ...
