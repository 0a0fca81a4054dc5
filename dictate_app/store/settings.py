"""Every user setting, its default and its validation, in one place (Qt-free).

:class:`Settings` is the typed schema: one frozen dataclass field per setting, the default right
there, the allowed values or range in the field's metadata. Storage is someone else's job
(``dictate_app/app/settings_store.py`` keeps them in QSettings); this module only turns stored
values (often strings, since INI files have no types) into typed ones and back.

A value that cannot be read falls back to its default and is reported as one sentence in
``problems``; nothing here raises on bad input, so a corrupt settings file never stops the app.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from dictate_app.desktop.keys import DEFAULT_HOTKEY, PASTE_CHORDS, KeyNameError, normalize_chord, normalize_hotkey
from dictate_app.desktop.session import DESKTOP_CHOICES
from dictate_app.engine.base import LANGUAGE_CHOICES
from dictate_app.lifecycle import Mode
from dictate_app.output.per_app import override_for
from dictate_app.output.strategy import Method

DEVICES = ("auto", "cpu", "cuda")
OVERRIDE_METHODS = ("", "paste", "type")  # "" = the global insertion method


def _choices(*values: str) -> dict:
    return {"choices": tuple(values)}


def _range(low: float, high: float) -> dict:
    return {"range": (low, high)}


@dataclass(frozen=True)
class AppOverride:
    """How to insert into one application: ``match`` is compared, case-insensitively, as a
    substring of the target window's class or name (``"xterm"``, ``"Slack"``)."""

    match: str
    method: str = ""          # "", "paste" or "type"
    paste_keys: str = ""      # "" = the global paste chord (dictate_app.desktop.keys spelling)
    auto_enter: bool = False  # press Enter after inserting (chat apps, terminals)
    ai_mode: str = ""         # "" = the global AI mode (dictate_app.modes.catalog names)

    def applies_to(self, app: str | None) -> bool:
        return bool(app) and bool(self.match.strip()) and self.match.strip().lower() in app.lower()


# Sensible starting points: terminals do not paste with Ctrl+V.
DEFAULT_OVERRIDES = (
    AppOverride("xterm", method="type"),
    AppOverride("terminal", paste_keys="ctrl+shift+v"),
    AppOverride("konsole", paste_keys="ctrl+shift+v"),
    # Wayland terminals, by app_id: foot is sway's default; none of them pastes with Ctrl+V.
    AppOverride("foot", paste_keys="ctrl+shift+v"),
    AppOverride("kitty", paste_keys="ctrl+shift+v"),
    AppOverride("alacritty", paste_keys="ctrl+shift+v"),
    AppOverride("wezterm", paste_keys="ctrl+shift+v"),
)


@dataclass(frozen=True)
class Settings:
    """All settings with their defaults. Keys are the field names."""

    hotkey: str = field(default=DEFAULT_HOTKEY, metadata={"help": "push-to-talk key (f9, ctrl_r, pause, scroll_lock...)"})
    mode: str = field(default=Mode.HOLD.value, metadata=_choices(*(m.value for m in Mode)))
    # Toggle mode and hands-free starts end after this much silence; 0: never (audio.autostop).
    auto_stop_s: float = field(default=2.0, metadata=_range(0.0, 60.0))
    language: str = field(default="auto", metadata=_choices(*LANGUAGE_CHOICES))
    itn: bool = field(default=True, metadata={"help": "write numbers and punctuation (inverse text normalisation)"})
    insert_method: str = field(default=Method.PASTE.value, metadata=_choices(*(m.value for m in Method)))
    paste_keys: str = field(default=PASTE_CHORDS[0], metadata=_choices(*PASTE_CHORDS))
    # Insert each closed segment's words while still dictating (README "Live words"); off: at release.
    insert_live: bool = False
    app_overrides: tuple[AppOverride, ...] = DEFAULT_OVERRIDES
    microphone: str = ""  # "" = the system default input
    keep_mic_ready: bool = False
    tail_ms: int = field(default=250, metadata=_range(0, 2000))
    model_dir: str = ""  # "" = the model store (dictate-app model path)
    device: str = field(default="auto", metadata=_choices(*DEVICES))
    sounds: bool = True
    sound_volume: int = field(default=50, metadata=_range(0, 100))
    popup_seconds: float = field(default=4.0, metadata=_range(0.5, 30.0))
    start_at_login: bool = False
    history_audio: bool = False
    history_audio_cap_mb: int = field(default=200, metadata=_range(1, 100_000))
    history_retention_days: int = field(default=0, metadata=_range(0, 36_500))  # 0 = keep forever
    server_url: str = ""  # "" = recognise on this computer
    # The desktop backend (dictate_app.desktop.session); read once at start, like --desktop.
    desktop: str = field(default="auto", metadata=_choices(*DESKTOP_CHOICES))
    # AI modes (dictate_app.modes): any mode name; one not defined at run time means "as spoken".
    ai_mode: str = "as spoken"
    # Shift held with the hotkey: this take gets this mode ("as spoken" if it is the one that would run).
    ai_mode_shift: str = "clean up"
    # An OpenAI-compatible endpoint; the default is Ollama on this computer (nothing leaves it).
    llm_url: str = "http://127.0.0.1:11434/v1"
    llm_model: str = ""  # "" = the first model the endpoint lists (GET /v1/models)
    llm_timeout_s: float = field(default=5.0, metadata=_range(0.5, 120.0))
    # Below this many words the mode does not run (CJK: two characters count as one word).
    ai_mode_min_words: int = field(default=3, metadata=_range(0, 1000))

    def ai_mode_for(self, app: str | None) -> str:
        """The AI mode name for text going into ``app``: the per-app override's, else ``ai_mode``."""
        override = override_for(self.app_overrides, app)
        return override.ai_mode if override is not None and override.ai_mode else self.ai_mode


DEFAULTS = Settings()
KEYS = tuple(f.name for f in fields(Settings))
_FIELDS = {f.name: f for f in fields(Settings)}
_URL = re.compile(r"^https?://[^\s/]+(/\S*)?$")


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off"):
        return False
    raise ValueError("not true or false")


def _overrides(value: Any) -> tuple[AppOverride, ...]:
    items = json.loads(value) if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)):
        raise ValueError("not a list")
    result = []
    for item in items:
        if isinstance(item, AppOverride):
            item = item.__dict__
        if not isinstance(item, Mapping) or not str(item.get("match", "")).strip():
            raise ValueError("each entry needs a non-empty 'match'")
        keys = str(item.get("paste_keys", "")).strip()
        override = AppOverride(str(item["match"]).strip(), str(item.get("method", "")),
                               _paste_chord(keys) if keys else "", _bool(item.get("auto_enter", False)),
                               " ".join(str(item.get("ai_mode", "")).split()))
        if override.method not in OVERRIDE_METHODS:
            raise ValueError(f"method {override.method!r} is not paste or type")
        result.append(override)
    return tuple(result)


def _paste_chord(value: str) -> str:
    """A paste chord in our spelling; older files wrote xdotool's (``shift+Insert``)."""
    try:
        chord = normalize_chord(value)
    except KeyNameError:
        chord = value
    if chord not in PASTE_CHORDS:
        raise ValueError(f"paste keys {value!r} are not one of {', '.join(PASTE_CHORDS)}")
    return chord


def coerce(key: str, value: Any) -> Any:
    """``value`` (as stored, often a string) as the typed value of setting ``key``.

    Raises ``KeyError`` for an unknown key and ``ValueError`` (with a short reason) for a bad value.
    """
    spec = _FIELDS[key]
    kind = spec.type if isinstance(spec.type, str) else getattr(spec.type, "__name__", str(spec.type))
    if key == "app_overrides":
        return _overrides(value)
    if value is None:
        raise ValueError("empty")
    if kind == "bool":
        result: Any = _bool(value)
    elif kind == "int":
        number = float(value)
        if number != int(number):
            raise ValueError("not a whole number")
        result = int(number)
    elif kind == "float":
        result = float(value)
        if result != result:  # NaN
            raise ValueError("not a number")
    else:
        result = str(value).strip()
    # Key names and chords in our spelling; older versions stored pynput's and xdotool's.
    if key == "hotkey":
        try:
            result = normalize_hotkey(result)
        except KeyNameError as exc:
            raise ValueError(str(exc).rstrip(".")) from None
    elif key == "paste_keys":
        result = _paste_chord(result)
    if "choices" in spec.metadata and result not in spec.metadata["choices"]:
        raise ValueError(f"not one of {', '.join(spec.metadata['choices'])}")
    if "range" in spec.metadata:
        low, high = spec.metadata["range"]
        if not low <= result <= high:
            raise ValueError(f"outside {low:g}..{high:g}")
    if key in ("server_url", "llm_url") and (result or key == "llm_url") and not _URL.match(result):
        raise ValueError("not an http:// or https:// address")
    if key in ("ai_mode", "ai_mode_shift"):
        result = " ".join(result.split()) or "as spoken"
    return result


def to_stored(key: str, value: Any) -> str | int | float:
    """The form written to storage (INI-safe: overrides as JSON, booleans as true/false)."""
    if key == "app_overrides":
        return json.dumps([o.__dict__ for o in value], ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def from_stored(raw: Mapping[str, Any]) -> tuple[Settings, list[str]]:
    """Settings from stored values; missing keys take their default, unknown keys are ignored
    (a newer version may have written them). Gives the settings and one sentence per bad value."""
    values, problems = {}, []
    for key in KEYS:
        if key not in raw:
            continue
        try:
            values[key] = coerce(key, raw[key])
        except (ValueError, TypeError, json.JSONDecodeError) as exc:
            default = to_stored(key, getattr(DEFAULTS, key))
            problems.append(f"Setting {key} = {str(raw[key])[:60]!r} is invalid ({exc}); "
                            f"using the default {default!r}.")
    return replace(DEFAULTS, **values), problems


def changed_keys(old: Settings, new: Settings) -> list[str]:
    """The keys whose values differ, in schema order."""
    return [k for k in KEYS if getattr(old, k) != getattr(new, k)]
