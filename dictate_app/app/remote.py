"""What the running app does with a remote command (``dictate-app toggle|start|stop|cancel|status``
or a second ``dictate-app``): the single-instance server's handler, over the coordinator.

``start`` and ``stop`` are idempotent (a window-manager key bound to each cannot get out of step);
``toggle`` does whichever applies; ``start-hands-free`` (``dictate-app start --hands-free``) starts
a take that ends by itself after a pause, and does nothing while recording; every reply carries
the resulting status.
"""

from __future__ import annotations

from collections.abc import Callable

from dictate_app.app.coordinator import Coordinator
from dictate_app.app.live_text import LiveView


def status(coordinator: Coordinator) -> dict:
    """The state as JSON-ready data (``dictate-app status --json``)."""
    st = coordinator.state
    return {
        "phase": st.phase.value,
        "recording": st.recording is not None,
        "hands_free": st.recording is not None and st.recording.hands_free,  # ends by itself after a pause
        "model": st.model.value,
        "model_error": st.model_error or None,
        "mode": st.mode.value,
        "hotkey": coordinator.settings.hotkey,
        "pending": len(st.awaiting_audio) + len(st.queued) + (st.transcribing is not None) + len(st.to_insert),
        **live_status(coordinator.live.view()),
    }


def live_status(view: LiveView | None) -> dict:
    """The words so far while recording (README "Live words"): ``partial`` is all of them as the
    popup shows them, ``partial_final`` the part that will not change (closed segments; rules
    applied), ``partial_tags`` the tags so far; all None when not recording a live take."""
    if view is None:
        return {"partial": None, "partial_final": None, "partial_tags": None}
    return {"partial": view.text, "partial_final": view.final, "partial_tags": list(view.tags)}


def make_handler(coordinator: Coordinator, show: Callable[[], None],
                 desktop_facts: Callable[[], dict] = dict) -> Callable[[str], dict]:
    """The :class:`InstanceServer` handler: run ``command``, reply with the status after it.

    ``status`` also carries ``desktop_facts()`` (the backend and the live hotkey's rows, which
    ``dictate-app doctor`` shows); the other commands, bound to keys, stay cheap."""

    def handle(command: str) -> dict:
        recording = coordinator.state.recording is not None
        if command == "show":
            show()
        elif command == "toggle" or (command == "start" and not recording) or (command == "stop" and recording):
            coordinator.toggle()
        elif command == "start-hands-free" and not recording:
            coordinator.start_hands_free()
        elif command == "cancel" and recording:
            coordinator.cancel()
        reply = status(coordinator)
        if command == "status":
            reply["desktop"] = desktop_facts()
        return reply

    return handle
