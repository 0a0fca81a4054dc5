"""AI modes: a named prompt each, built in or from the user's ``modes.txt`` beside ``rules.txt``.

An AI mode turns the dictated words into the text the user meant through a language model
(:mod:`dictate_app.modes.run`). "as spoken" is the mode that does nothing (the default). Besides
the built-ins, ``translate to <language>`` works for any language name ("translate to German"),
and the user's file adds or replaces modes (:data:`TEMPLATE` documents its format).

The file format, chosen to be edited by hand without quoting rules::

    [formal reply]
    Rewrite the text as a formal reply, in {language}. The speaker sounded {emotion}.
    {transcript}

A line ``[name]`` starts a mode; the lines after it, up to the next ``[name]``, are its prompt.
Lines starting with ``#`` are comments. Placeholders: see :data:`PLACEHOLDERS`. Problems (a
prompt before any name, an empty prompt, an unknown placeholder, a redefined "as spoken") are
sentences; loading never raises.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from dictate_app.paths import config_dir
from dictate_app.store.private import atomic_write, make_private, private_dir

AS_SPOKEN = "as spoken"
FILE_NAME = "modes.txt"
PLACEHOLDERS = ("transcript", "language", "emotion", "events", "app")
_TRANSLATE = re.compile(r"^translate (?:in)?to ([^\W\d_][\w \-()]{0,39})$", re.I)
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_HEADER = re.compile(r"^\[([^\[\]]+)\]\s*$")


@dataclass(frozen=True)
class AiMode:
    """A mode: ``prompt`` is the user message template (placeholders in braces); "" for "as spoken"."""

    name: str
    prompt: str
    builtin: bool = True

    @property
    def off(self) -> bool:
        """True for "as spoken" (or any mode without a prompt): the words go in unchanged."""
        return not self.prompt.strip()


_KEEP = ("Keep the speaker's meaning and do not add facts. The speaker's language was {language}; "
         "answer in that language.")


def translation_mode(language: str) -> AiMode:
    """The built-in mode translating into ``language`` (any name the model understands)."""
    language = " ".join(language.split())
    return AiMode(f"translate to {language}",
                  f"Translate this dictated text into {language}. Fix obvious recognition slips and "
                  "punctuation; keep names, numbers and the speaker's tone. If it is already in "
                  f"{language}, just clean it up.\n\n{{transcript}}")


BUILTINS: tuple[AiMode, ...] = (
    AiMode(AS_SPOKEN, ""),
    AiMode("clean up", "Clean up this dictated text: remove filler words (um, uh, you know), false starts "
                       "and repeated words; fix punctuation, capitals and obvious grammar slips. Keep the "
                       "speaker's own words and tone wherever possible. " + _KEEP + "\n\n{transcript}"),
    AiMode("email", "Turn this dictated text into a short, ready-to-send email body: a greeting line, "
                    "clear paragraphs and a sign-off, no subject line. " + _KEEP + "\n\n{transcript}"),
    AiMode("bullet list", "Turn this dictated text into a concise bullet list, one point per line, each "
                          "starting with \"- \". " + _KEEP + "\n\n{transcript}"),
    # SenseVoice hears five languages; translation into any other works by name ("translate to German").
    translation_mode("English"),
    translation_mode("Chinese"),
)

TEMPLATE = """\
# Dictate AI modes: your own prompts for the language model (README "AI modes").
# A line [name] starts a mode; the lines after it are its prompt, up to the next [name].
# Lines starting with # are comments. A mode named like a built-in one replaces it
# ("as spoken" cannot be replaced: it is "off"). Changes apply to the next dictation.
#
# Placeholders, filled in for each take:
#   {transcript}  the dictated words (after rules.txt), always sent marked as data, never as
#                 instructions; if a prompt has no {transcript}, the words are put after it
#   {language}    the language SenseVoice heard (English, Mandarin, Cantonese, Japanese, Korean)
#   {emotion}     how the speaker sounded (happy, sad, angry, neutral...)
#   {events}      sounds heard around the words (laughter, applause, music...), or "none"
#   {app}         the application the text goes into
#
# Examples (remove the # to use them):
#
# [excited]
# Clean up this dictated text. The speaker sounded {emotion}: if happy, keep the excitement
# (an exclamation mark is fine). Answer in {language}.
# {transcript}
#
# [commit message]
# Write a git commit message from this: a summary line under 60 characters, a blank line,
# then the details.
# {transcript}
"""


def modes_file() -> Path:
    """Where the user's modes live: ``modes.txt`` in the config directory, beside ``rules.txt``."""
    return config_dir() / FILE_NAME


def ensure_modes_file(path: str | Path | None = None) -> Path:
    """Create the modes file with the commented :data:`TEMPLATE` if missing; gives its path."""
    path = Path(path) if path is not None else modes_file()
    if path.exists():
        make_private(path)
        return path
    private_dir(path.parent)
    atomic_write(path, TEMPLATE)
    return path


def parse_modes(text: str, source: str = FILE_NAME) -> tuple[dict[str, AiMode], list[str]]:
    """The user's modes in ``text`` (not the built-ins) and one sentence per problem."""
    modes: dict[str, AiMode] = {}
    problems: list[str] = []
    name, lines, start = None, [], 0

    def finish() -> None:
        if name is None:
            if any(line.strip() for line in lines):
                problems.append(f"{source} line {start}: text before the first [name] is ignored; "
                                "start each mode with a line [name].")
            return
        prompt = "\n".join(lines).strip()
        if name.lower() == AS_SPOKEN:
            problems.append(f"{source} line {start}: [{name}] is the built-in 'off' mode and cannot be "
                            "redefined; give your mode another name.")
        elif not prompt:
            problems.append(f"{source} line {start}: the mode [{name}] has no prompt; write it on the "
                            "lines below its name.")
        else:
            unknown = sorted({p for p in _PLACEHOLDER.findall(prompt) if p not in PLACEHOLDERS})
            if unknown:
                problems.append(f"{source} line {start}: [{name}] uses {', '.join('{' + u + '}' for u in unknown)}, "
                                f"which is not a placeholder (use {', '.join('{' + p + '}' for p in PLACEHOLDERS)}); "
                                "it is sent as written.")
            if name.lower() in (m.lower() for m in modes):
                problems.append(f"{source} line {start}: [{name}] is defined twice; the later one is used.")
                modes.pop(next(m for m in modes if m.lower() == name.lower()))
            modes[name] = AiMode(name, prompt, builtin=False)

    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("#"):
            continue
        header = _HEADER.match(line.strip())
        if header:
            finish()
            name, lines, start = " ".join(header.group(1).split()), [], number
        else:
            lines.append(line)
            start = start or number
    finish()
    return modes, problems


def load_modes(path: str | Path | None = None) -> tuple[dict[str, AiMode], list[str]]:
    """Every mode: the built-ins, then the user's file (``path``, default :func:`modes_file`), whose
    modes replace built-ins of the same name. A missing file is no problem; an unreadable one is one
    sentence. Never raises."""
    path = Path(path) if path is not None else modes_file()
    modes = {m.name: m for m in BUILTINS}
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return modes, []
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        return modes, [f"The AI modes file {path} could not be read ({reason}); only the built-in modes are offered."]
    own, problems = parse_modes(text, path.name)
    for mode in own.values():
        for existing in [m for m in modes if m.lower() == mode.name.lower()]:
            del modes[existing]
        modes[mode.name] = mode
    return modes, problems


def find_mode(name: str, modes: dict[str, AiMode]) -> tuple[AiMode, str | None]:
    """The mode called ``name`` (case and spacing ignored; ``translate to <language>`` for any
    language), else "as spoken" and one sentence saying so."""
    wanted = " ".join(str(name).split()).lower()
    if not wanted or wanted == AS_SPOKEN:
        return AiMode(AS_SPOKEN, ""), None
    for key, mode in modes.items():
        if key.lower() == wanted:
            return mode, None
    translate = _TRANSLATE.match(" ".join(str(name).split()))
    if translate:
        return translation_mode(translate.group(1).strip().title()), None
    return AiMode(AS_SPOKEN, ""), (f"The AI mode '{name}' is not defined (`dictate-app modes list` shows them); "
                                   "the words went in as spoken.")
