"""Random espeak-ng voice variants: valid variant files, unlike the held-out ones, and spoken by espeak-ng."""

from __future__ import annotations

import random

import numpy as np
import pytest

from tools.minisv import corpus, voices


def variant_settings(text: str) -> dict[str, list[str]]:
    return {line.split()[0] + (" " + line.split()[1] if line.startswith("formant") else ""): line.split()[1:]
            for line in text.splitlines()}


def test_random_variants_are_deterministic_and_all_different():
    first = [voices.random_variant(random.Random(voices.RANDOM_SEED)) for _ in range(2)]
    assert first[0] == first[1]
    rng = random.Random(voices.RANDOM_SEED)
    texts = [voices.random_variant(rng) for _ in voices.RANDOM_NAMES]
    assert len(set(texts)) == len(texts) == voices.RANDOM_COUNT


def test_random_variants_span_the_variant_format_but_never_the_heldout_klatt2():
    rng = random.Random(voices.RANDOM_SEED)
    settings = [variant_settings(voices.random_variant(rng)) for _ in voices.RANDOM_NAMES]
    for s in settings:
        assert s["language"] == ["variant"] and all(f"formant {n}" in s for n in range(9))
        assert s.get("klatt", ["1"]) != ["2"]  # klatt 2 alone is the held-out klatt2 variant
    for key in ("echo", "breath", "tone", "klatt"):  # the optional settings all occur, not always
        assert 0 < sum(key in s for s in settings) < len(settings)
    pitches = [int(s["pitch"][0]) for s in settings]
    assert min(pitches) < 80 and max(pitches) > 220  # low male to high female voices


@pytest.mark.slow
def test_espeak_speaks_random_and_stock_variants_from_the_private_data_dir():
    plain, _ = corpus.espeak("hello world", "en-us", 170, 50)
    varied, _ = corpus.espeak("hello world", f"en-us+{voices.RANDOM_NAMES[7]}", 170, 50)
    stock, _ = corpus.espeak("hello world", "en-us+Alicia", 170, 50)
    assert len(varied) and len(stock)
    assert len({len(plain), len(varied), len(stock)}) > 1 or not np.array_equal(plain, varied)
    _, phonemes = corpus.espeak("你好", f"{corpus.ZH_VOICE}+{voices.RANDOM_NAMES[-1]}", 170, 50)
    corpus.check_mandarin(phonemes)
