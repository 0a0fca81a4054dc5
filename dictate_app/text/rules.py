"""Replacement rules applied to the transcript after recognition, from a plain text file.

The file (``rules.txt`` in the config directory) is the user's: readable, editable in any editor
or in the settings dialog, one rule per line, ``#`` starts a comment. :data:`TEMPLATE` explains the
syntax and is written when the file does not exist yet. Dictate writes it atomically and 0600
(:func:`save_rules`): the running app re-reads it at the next dictation and must never read half
of a save, and the words in it (names, vocabulary) are the user's.

Order: the vocabulary pass first (so names are spelled right), then the replacement rules from the
top of the file down, each working on the result of the one before. A bad line (a broken regular
expression, a missing ``=>``) is skipped and reported; it never stops dictation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from dictate_app.engine.join import is_cjk
from dictate_app.engine.result import Transcript
from dictate_app.paths import config_dir
from dictate_app.store.private import atomic_write, make_private, private_dir
from dictate_app.text.vocabulary import Vocabulary

FILE_NAME = "rules.txt"
ARROW = "=>"

TEMPLATE = """\
# Dictate replacement rules: applied to every transcript before it is inserted.
# One rule per line; lines starting with # are comments. Edit freely; changes apply to the next
# dictation. Rules run from top to bottom, after the vocabulary fixes.
#
#   teh => the                 exact replacement, ignoring case. Latin words match whole words only
#                              ("cat" does not touch "category"); Chinese matches anywhere.
#   re: \\bI'm\\b => I am        regular expression (Python syntax); \\1 refers to a group.
#                              Put (?i) in front to ignore case.
#   vocab: Kubernetes          a word or name of yours: near-miss spellings of it are corrected
#   vocab: 微信                 ("Kubernetis" -> Kubernetes; Chinese by sound: 维新 -> 微信).
#
# To delete a word, leave the right side empty:  um =>
"""


@dataclass(frozen=True)
class Rule:
    """One replacement: ``pattern`` is compiled from an exact phrase or a regular expression."""

    source: str  # the line as written, for messages and the dialog
    pattern: re.Pattern
    replacement: str
    regex: bool

    def apply(self, text: str) -> str:
        if self.regex:
            try:
                return self.pattern.sub(self.replacement, text)
            except (re.error, IndexError):  # a bad template the parse check missed: skip the rule
                return text
        return self.pattern.sub(lambda _m: self.replacement, text)  # literal: no \1 expansion


@dataclass(frozen=True)
class RuleSet:
    """Parsed rules, the vocabulary and what could not be parsed (one sentence per bad line)."""

    rules: tuple[Rule, ...] = ()
    vocabulary: Vocabulary = field(default_factory=Vocabulary)
    problems: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.rules or self.vocabulary)

    def apply(self, text: str) -> str:
        """``text`` after the vocabulary fixes and every rule, then tidied (no doubled spaces left
        behind by deletions)."""
        if not self:
            return text
        out = self.vocabulary.fix(text)
        for rule in self.rules:
            out = rule.apply(out)
        if out != text:
            out = re.sub(r"[ \t]{2,}", " ", out).strip()
        return out

    def apply_to(self, transcript: Transcript) -> Transcript:
        """The transcript with its text rewritten (``raw`` keeps what the model said)."""
        text = self.apply(transcript.text)
        return transcript if text == transcript.text else replace(transcript, text=text)


def _latin_edge(char: str) -> bool:
    return char.isalnum() and not is_cjk(char)


def _exact_pattern(phrase: str) -> re.Pattern:
    """Case-insensitive; word boundaries only at edges that are Latin letters or digits (Chinese has
    no spaces, so a boundary there would never match inside a sentence)."""
    body = re.escape(phrase)
    if _latin_edge(phrase[0]):
        body = r"(?<![^\W_])" + body
    if _latin_edge(phrase[-1]):
        body += r"(?![^\W_])"
    return re.compile(body, re.IGNORECASE)


def _check_groups(pattern: re.Pattern, replacement: str) -> None:
    """Raise re.error for a group reference the pattern does not have (Python only finds out at
    the first match, which would be in the middle of someone's dictation)."""
    for number, name in re.findall(r"\\(\d+)|\\g<(\w+)>", replacement):
        ref = number or name
        if ref.isdigit() and int(ref) > pattern.groups or not ref.isdigit() and ref not in pattern.groupindex:
            raise re.error(f"there is no group {ref}")


def parse_rules(text: str) -> RuleSet:
    """Parse the rules file's text (see :data:`TEMPLATE`)."""
    rules: list[Rule] = []
    terms: list[str] = []
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.lower().startswith("vocab:"):
            term = stripped[6:].strip()
            if term:
                terms.append(term)
            else:
                problems.append(f"Line {number}: 'vocab:' needs a word after it.")
            continue
        regex = stripped.lower().startswith("re:")
        body = stripped[3:].strip() if regex else stripped
        if ARROW not in body:
            problems.append(f"Line {number} ({stripped[:40]!r}) has no '{ARROW}': write 'wrong {ARROW} right'.")
            continue
        # The last arrow separates, so a regular expression may itself contain "=>".
        left, right = (part.strip() for part in body.rsplit(ARROW, 1))
        if not left:
            problems.append(f"Line {number}: nothing to replace on the left of '{ARROW}'.")
            continue
        try:
            pattern = re.compile(left) if regex else _exact_pattern(left)
            if regex:
                _check_groups(pattern, right)
        except re.error as exc:
            problems.append(f"Line {number}: the regular expression {left!r} is invalid ({exc}).")
            continue
        rules.append(Rule(stripped, pattern, right, regex))
    return RuleSet(tuple(rules), Vocabulary(tuple(terms)), tuple(problems))


def default_path() -> Path:
    return config_dir() / FILE_NAME


def load_rules(path: str | Path | None = None) -> RuleSet:
    """The rules in ``path`` (default: the config directory's rules.txt); none if it is missing.
    An unreadable file gives no rules and one problem, never an exception."""
    path = Path(path) if path is not None else default_path()
    try:
        return parse_rules(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return RuleSet()
    except (OSError, UnicodeDecodeError) as exc:
        return RuleSet(problems=(f"The rules file {path} could not be read ({exc}); no rules are applied.",))


def save_rules(text: str, path: str | Path | None = None) -> Path:
    """Write the rules file atomically (0600, in a 0700 folder); gives its path. Raises ``OSError``."""
    path = Path(path) if path is not None else default_path()
    private_dir(path.parent)
    atomic_write(path, text)
    return path


def ensure_rules_file(path: str | Path | None = None) -> Path:
    """Create the rules file with the commented template if it does not exist (an existing one is
    made private: 0600); gives its path."""
    path = Path(path) if path is not None else default_path()
    if path.exists():
        make_private(path)
        return path
    return save_rules(TEMPLATE, path)


class RulesFile:
    """The rules file, re-read when it changes on disk (one ``stat`` per call), so edits made in
    any editor apply to the next dictation without a restart."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path is not None else default_path()
        self._stamp: tuple[int, int, int] | None = None
        self._rules = RuleSet()

    def current(self) -> RuleSet:
        try:
            stat = self.path.stat()
            stamp = (stat.st_mtime_ns, stat.st_size, stat.st_ino)  # a save is a new inode
        except OSError:
            stamp = None
        if stamp != self._stamp:
            self._stamp = stamp
            self._rules = load_rules(self.path) if stamp else RuleSet()
        return self._rules

    def apply_to(self, transcript: Transcript) -> Transcript:
        return self.current().apply_to(transcript)
