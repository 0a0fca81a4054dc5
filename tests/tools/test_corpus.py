"""The synthetic corpus: deterministic, labelled as documented, held-out voices really held out."""

from __future__ import annotations

import numpy as np
import pytest

from tools.minisv import corpus, lexicon, voices


def test_specs_are_deterministic_and_splits_differ():
    assert corpus.make_specs(50, 3, "train") == corpus.make_specs(50, 3, "train")
    train = {s.spoken for s in corpus.make_specs(200, 1, "train")}
    held = corpus.make_specs(200, 9001, "heldout")
    assert {s.spoken for s in held} != train


def test_heldout_variants_are_never_used_in_training():
    splits = [set(variants) for variants in corpus.SPLIT_VARIANTS.values()]
    assert len(splits) == 4
    assert sum(map(len, splits)) == len(set().union(*splits))  # no variant in two splits
    train_variants = [spec.voice.split("+")[1] for spec in corpus.make_specs(600, 1, "train") if spec.voice]
    assert set(train_variants) <= set(corpus.TRAIN_VARIANTS) | set(voices.RANDOM_NAMES)
    random_share = sum(v in voices.RANDOM_NAMES for v in train_variants) / len(train_variants)
    assert abs(random_share - corpus.RANDOM_VARIANT_SHARE) < 0.1
    for split in (name for name in corpus.SPLIT_VARIANTS if name != "train"):
        for spec in corpus.make_specs(300, 9001, split):
            if spec.voice:
                assert spec.voice.split("+")[1] in corpus.SPLIT_VARIANTS[split]


def test_labels_follow_the_documented_proxies():
    for spec in corpus.make_specs(400, 2, "train"):
        if spec.language == "nospeech":
            assert (spec.emotion, spec.spoken, spec.text_woitn) == ("EMO_UNKNOWN", "", "")
            assert spec.event in ("BGM", "Event_UNK")
            continue
        (p_lo, p_hi), (s_lo, s_hi) = corpus.EMOTION_PROSODY[spec.emotion]
        heard = spec.speed * corpus.tempo(spec.voice.split("+")[1])  # -s was divided by the tempo, then rounded
        assert p_lo <= spec.pitch <= p_hi and s_lo - 1 <= heard <= s_hi + 1
        assert spec.event == ("BGM" if np.isfinite(spec.music_db) else "Speech")
        assert spec.voice.startswith("cmn-latn-pinyin" if spec.language == "zh" else "en")


def test_tempo_finds_the_variants_that_speak_faster_at_the_same_rate():
    # anika and pedro set stressLength low: 17-18 % faster than plain en-us at the same -s, more
    # than the 16 % gap between the neutral and happy rate bands; Alicia is slower.
    assert corpus.tempo("anika") > 1.12 and corpus.tempo("pedro") > 1.12
    assert corpus.tempo("Alicia") < 0.93
    assert 0.95 < corpus.tempo("m3") < 1.05


def test_itn_writes_digits_as_numerals_and_words():
    assert lexicon.en_digit_text([3, 7, 1], itn=True) == "371"
    assert lexicon.en_digit_text([3, 7, 1], itn=False) == "three seven one"
    assert lexicon.zh_digit_text([3, 7, 1], itn=False) == "三七一"
    assert corpus._join_digit_runs("call 3 7 1 now 5") == "call 371 now 5"
    for spec in corpus.make_specs(300, 4, "train"):
        if spec.language == "en":
            assert len(spec.text_withitn.split()) <= len(spec.text_woitn.split())
            assert not any(c.isdigit() for c in spec.text_woitn)


@pytest.mark.slow
def test_mandarin_utterances_stay_mandarin_and_render():
    spec = next(s for s in corpus.make_specs(50, 5, "heldout") if s.language == "zh")
    audio = corpus.render(spec)
    assert audio.dtype == np.float32 and np.max(np.abs(audio)) <= 1.0
    assert len(audio) / corpus.ESPEAK_RATE > spec.lead_s + spec.tail_s
    _, phonemes = corpus.espeak("三七一", "cmn", 170, 50)  # Debian's cmn voice switches to English
    with pytest.raises(ValueError):
        corpus.check_mandarin(phonemes)


@pytest.mark.slow
def test_speech_start_is_where_render_placed_the_speech():
    specs = corpus.make_specs(30, 6, "heldout")
    spec = next(s for s in specs if s.language == "en" and not np.isfinite(s.music_db))
    audio = corpus.render(spec)
    quiet, speech = audio[:spec.speech_start], audio[spec.speech_start:]
    assert np.max(np.abs(quiet)) < 0.02 < np.max(np.abs(speech[:int(0.2 * corpus.ESPEAK_RATE)]))
    assert next(s for s in specs if s.language == "nospeech").speech_start is None
