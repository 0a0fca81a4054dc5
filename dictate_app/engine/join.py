"""Join transcript pieces the way a reader expects.

SenseVoice transcribes each segment on its own, so long audio and incremental transcription give
pieces that must be glued together: a space between Latin words, nothing between CJK characters
(Chinese and Japanese are written without spaces; Korean is), and never a doubled space.
"""

from __future__ import annotations

from collections.abc import Iterable


def is_cjk(char: str) -> bool:
    """True for characters written without spaces: CJK ideographs, kana, CJK/full-width punctuation.

    Hangul is left out on purpose: Korean separates words with spaces.
    """
    code = ord(char)
    return (
        0x3000 <= code <= 0x30FF  # CJK punctuation, hiragana, katakana
        or 0x3400 <= code <= 0x4DBF  # CJK extension A
        or 0x4E00 <= code <= 0x9FFF  # CJK unified ideographs
        or 0xF900 <= code <= 0xFAFF  # CJK compatibility ideographs
        or 0xFF00 <= code <= 0xFFEF  # full-width forms (，。！？)
    )


def join_pieces(pieces: Iterable[str]) -> str:
    """Join stripped pieces with one space, or none where both sides of the seam are CJK."""
    out = ""
    for piece in pieces:
        piece = piece.strip()
        if not piece:
            continue
        if out and not (is_cjk(out[-1]) or is_cjk(piece[0])):
            out += " "
        out += piece
    return out
