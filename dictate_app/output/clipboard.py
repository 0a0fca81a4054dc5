"""The clipboard interface insertion needs; backends (Qt's clipboard, fakes) implement it."""

from __future__ import annotations

from typing import Any, Protocol


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
