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
        for term in chinese:  # imports pypinyin (~0.3 s) now, at load, not at the first utterance
            pinyin_key(term)

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
        import numpy as np
        from rapidfuzz import fuzz, process

        words = list(_WORD.finditer(text))
        terms = self._latin
        lowered = [t.lower() for t in terms]
        counts = [len(_WORD.findall(t)) or 1 for t in terms]
        candidates: list[tuple[int, float, int, int, int]] = []  # (term rank, score, size, start word, term)
        for size in sorted({c for c in counts} | {c + 1 for c in counts}):
            starts = range(len(words) - size + 1)
            if not starts:
                continue
            spans = [text[words[i].start():words[i + size - 1].end()] for i in starts]
            low = [span.lower() for span in spans]
            # A term is compared with windows of as many words, or one more (a word split in two).
            which = [k for k, c in enumerate(counts) if size in (c, c + 1)]
            fuzzy = [k for k in which if len(terms[k]) >= MIN_FUZZY_CHARS]
            if fuzzy:
                # Compared with and without spaces ("cooper netties"); rapidfuzz's cdist does the
                # whole windows x terms matrix in C (200 terms x 30 words: about a millisecond).
                scores = np.maximum(
                    process.cdist(low, [lowered[k] for k in fuzzy], scorer=fuzz.ratio, score_cutoff=self.threshold),
                    process.cdist([x.replace(" ", "") for x in low], [lowered[k].replace(" ", "") for k in fuzzy],
                                  scorer=fuzz.ratio, score_cutoff=self.threshold))
                for i, j in zip(*np.nonzero(scores >= self.threshold)):
                    candidates.append((fuzzy[j], float(scores[i, j]), size, int(i), fuzzy[j]))
            for k in which:  # same letters: a case fix (short terms too), or already right
                for i, x in enumerate(low):
                    if x == lowered[k]:
                        candidates.append((k, 102.0 if spans[i] == terms[k] else 101.0, size, i, k))
        # Longer terms first (their order in _latin), then the best window; overlaps are skipped.
        taken = [False] * len(words)
        edits: list[tuple[int, int, str]] = []
        for _rank, _score, size, i, k in sorted(candidates, key=lambda c: (c[0], -c[1], c[2], c[3])):
            if any(taken[i:i + size]):
                continue
            taken[i:i + size] = [True] * size
            edits.append((words[i].start(), words[i + size - 1].end(), terms[k]))
        for start, end, term in sorted(edits, reverse=True):
            text = text[:start] + term + text[end:]
        return text

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
