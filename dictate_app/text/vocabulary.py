"""Vocabulary correction: bend near-miss spellings towards the user's own words and names.

SenseVoice has no hotword biasing, so a name it has never seen comes out as a near-miss
("Kubernetis", "cooper netties"; 维新 for 微信). After recognition, each vocabulary term is looked
for in the text:

- **Latin script**: windows of as many words as the term (and one more, for words the model split)
  are compared with rapidfuzz's normalised similarity, ignoring case; a window scoring at least
  ``threshold`` (default 82 of 100) becomes the term. Terms shorter than four letters are only
  fixed for case, since short words collide with ordinary ones.
- **Chinese**: the term's toneless pinyin (pypinyin) is compared with every run of as many Chinese
  characters in the text; equal pinyin, after folding the confusions Mandarin speakers and the
  model commonly make (zh/z, ch/c, sh/s, n/l, -ng/-n), means a homophone and becomes the term.
  pypinyin is imported only when the vocabulary has a Chinese term.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache


DEFAULT_THRESHOLD = 82.0
MIN_FUZZY_CHARS = 4
# A "word" for Latin matching: letters/digits and inner apostrophes or hyphens, no CJK.
_WORD = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


@lru_cache(maxsize=4096)
def pinyin_key(chars: str) -> tuple[str, ...]:
    """Toneless pinyin of ``chars`` with the common confusions folded (one syllable per character)."""
    from pypinyin import Style, lazy_pinyin

    return tuple(_fold(s) for s in lazy_pinyin(chars, style=Style.NORMAL, errors=lambda x: list(x)))


def _fold(syllable: str) -> str:
    """zh/ch/sh -> z/c/s, initial n -> l, final -ng -> -n (the usual fuzzy-pinyin pairs)."""
    s = syllable.lower().replace("ü", "v")
    for hard, soft in (("zh", "z"), ("ch", "c"), ("sh", "s")):
        if s.startswith(hard):
            s = soft + s[2:]
    if s.startswith("n") and len(s) > 1:
        s = "l" + s[1:]
    if s.endswith("ng") and len(s) > 2:
        s = s[:-1]
    return s


@dataclass(frozen=True)
class Vocabulary:
    """The user's terms; :meth:`fix` returns the text with near-misses replaced by them."""

    terms: tuple[str, ...] = ()
    threshold: float = DEFAULT_THRESHOLD
    _latin: tuple[str, ...] = field(init=False, repr=False, compare=False, default=())
    _chinese: tuple[str, ...] = field(init=False, repr=False, compare=False, default=())

    def __post_init__(self) -> None:
        clean = tuple(dict.fromkeys(t.strip() for t in self.terms if t.strip()))
        object.__setattr__(self, "terms", clean)
        # Longer terms first, so "New York Times" wins over "York".
        chinese = [t for t in clean if _CJK_RUN.fullmatch(t)]  # mixed terms go the Latin way
        object.__setattr__(self, "_latin", tuple(sorted((t for t in clean if t not in chinese), key=len, reverse=True)))
        object.__setattr__(self, "_chinese", tuple(sorted(chinese, key=len, reverse=True)))

    def __bool__(self) -> bool:
        return bool(self.terms)

    def fix(self, text: str) -> str:
        if self._latin:
            text = self._fix_latin(text)
        if self._chinese:
            text = self._fix_chinese(text)
        return text

    # ---- Latin script ----

    def _fix_latin(self, text: str) -> str:
        from rapidfuzz import fuzz

        words = list(_WORD.finditer(text))
        taken = [False] * len(words)
        edits: list[tuple[int, int, str]] = []  # (start, end, term) in text
        for term in self._latin:
            n = len(_WORD.findall(term)) or 1
            candidates = []
            for size in (n, n + 1):
                for i in range(len(words) - size + 1):
                    if any(taken[i:i + size]):
                        continue
                    span = text[words[i].start():words[i + size - 1].end()]
                    score = self._score(fuzz, term, span)
                    if score is not None:
                        candidates.append((score, size, i))
            # Best first; a window overlapping an accepted one is skipped.
            for score, size, i in sorted(candidates, key=lambda c: (-c[0], c[1], c[2])):
                if any(taken[i:i + size]):
                    continue
                taken[i:i + size] = [True] * size
                edits.append((words[i].start(), words[i + size - 1].end(), term))
        for start, end, term in sorted(edits, reverse=True):
            text = text[:start] + term + text[end:]
        return text

    def _score(self, fuzz, term: str, span: str) -> float | None:
        a, b = term.lower(), span.lower()
        if a == b:
            return 101.0 if term != span else None  # a case fix; an exact hit needs nothing
        if len(term) < MIN_FUZZY_CHARS:
            return None
        # Compare with and without spaces: the model may split one word in two ("cooper netties").
        score = max(fuzz.ratio(a, b), fuzz.ratio(a.replace(" ", ""), b.replace(" ", "")))
        return score if score >= self.threshold else None

    # ---- Chinese ----

    def _fix_chinese(self, text: str) -> str:
        chars = list(text)
        for term in self._chinese:
            key = pinyin_key(term)
            n = len(term)
            for run in _CJK_RUN.finditer("".join(chars)):
                i = run.start()
                while i + n <= run.end():
                    window = "".join(chars[i:i + n])
                    if window != term and pinyin_key(window) == key:
                        chars[i:i + n] = list(term)
                        i += n
                    else:
                        i += 1
        return "".join(chars)
