"""The one result type every backend returns, and every consumer (tray, popup, history, server,
CLI) reads. Tags are parsed once, here-adjacent in :mod:`tags`; typed text never carries them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Timings:
    """Where the time went, in milliseconds."""

    feature_ms: float = 0.0
    model_ms: float = 0.0
    total_ms: float = 0.0


@dataclass(frozen=True)
class Transcript:
    """What SenseVoice heard.

    ``text`` is plain text to insert (no tags, no emoji). ``language`` is ``"en"``, ``"zh"``,
    ``"yue"``, ``"ja"``, ``"ko"`` or ``"nospeech"`` (None if the model emitted no language tag);
    ``emotion`` is an upper-case SenseVoice emotion such as ``"HAPPY"`` or None; ``events`` are
    SenseVoice event names in order of appearance (``"Speech"``, ``"BGM"``, ``"Laughter"``...);
    ``itn`` says whether the output was inverse-text-normalised (None if no itn tag); ``raw`` is
    the tagged model output, kept for history and debugging.
    """

    text: str
    language: str | None = None
    emotion: str | None = None
    events: tuple[str, ...] = ()
    itn: bool | None = None
    raw: str = ""
    duration_s: float = 0.0
    timings: Timings = field(default_factory=Timings)

    @property
    def is_speech(self) -> bool:
        """False when there is nothing to type: no text, or the model said "no speech"."""
        return bool(self.text.strip()) and self.language != "nospeech"

    def to_dict(self) -> dict:
        """A JSON-ready dict (events as a list, timings nested)."""
        data = asdict(self)
        data["events"] = list(self.events)
        return data
