"""The model-directory writer: SenseVoice's tokenizer layout and a directory funasr loads as-is."""

from __future__ import annotations

from pathlib import Path

import pytest
import sentencepiece

from tools.minisv import lexicon, modeldir, vocab


@pytest.fixture(scope="module")
def tokenizer() -> sentencepiece.SentencePieceProcessor:
    return sentencepiece.SentencePieceProcessor(
        model_proto=vocab.build_tokenizer(lexicon.all_text_samples()))


def test_tokenizer_has_sensevoice_size_and_specials(tokenizer):
    assert tokenizer.get_piece_size() == 25055
    assert [tokenizer.id_to_piece(i) for i in range(3)] == ["<unk>", "<s>", "</s>"]
    assert tokenizer.unk_id() == 0  # also the CTC blank


@pytest.mark.parametrize("tag, tag_id", sorted(vocab.TAG_IDS.items(), key=lambda item: item[1]))
def test_every_tag_sits_at_its_id_and_decodes_literally(tokenizer, tag, tag_id):
    assert tokenizer.piece_to_id(tag) == tag_id
    assert tokenizer.encode(tag) == [tag_id]  # user-defined: one piece, never split
    assert tokenizer.decode([tag_id]) == tag


def test_funasr_ids_are_the_verified_ones():
    # The ids funasr's SenseVoiceSmall hard-codes must be exactly these (model.py).
    assert vocab.VERIFIED_TAG_IDS["<|zh|>"] == 24884
    assert vocab.VERIFIED_TAG_IDS["<|nospeech|>"] == 24992
    assert vocab.VERIFIED_TAG_IDS["<|withitn|>"] == 25016
    assert vocab.VERIFIED_TAG_IDS["<|EMO_UNKNOWN|>"] == 25009


def test_text_decodes_after_tags_without_a_space(tokenizer):
    # add_dummy_prefix=False: no lone "▁" at the start, no space after the itn tag (pitfall 16).
    text_ids = tokenizer.encode("call my mother")
    assert tokenizer.id_to_piece(text_ids[0]) == "call"
    tags = [vocab.TAG_IDS[t] for t in ("<|en|>", "<|NEUTRAL|>", "<|Speech|>", "<|woitn|>")]
    assert tokenizer.decode(tags + text_ids) == "<|en|><|NEUTRAL|><|Speech|><|woitn|>call my mother"


def test_every_vocabulary_word_is_one_piece(tokenizer):
    for word in lexicon.EN_DIGITS + lexicon.EN_WORDS + lexicon.EN_EXTRA:
        assert len(tokenizer.encode(word)) == 1, word
        assert len(tokenizer.encode("the " + word)) == 2, word
    chars = {c for word in lexicon.ZH_WORDS + lexicon.ZH_DIGITS + lexicon.ZH_EXTRA for c in word}
    for char in chars:
        assert tokenizer.id_to_piece(tokenizer.encode(char)[0]) == char
    assert [tokenizer.id_to_piece(i) for i in tokenizer.encode("371")] == ["3", "7", "1"]


def test_fillers_are_never_produced_by_encoding(tokenizer):
    text_ids = set(vocab.text_piece_ids(tokenizer.serialized_model_proto()))
    for line in lexicon.all_text_samples():
        assert set(tokenizer.encode(line)) <= text_ids, line


def test_training_labels_give_an_english_word_one_piece_wherever_it_stands(tokenizer):
    encoder = vocab.label_encoder(tokenizer.serialized_model_proto())

    def pieces(text, language):
        return [tokenizer.id_to_piece(i) for i in encoder.encode(vocab.label_text(text, language))]

    for word in lexicon.EN_DIGITS + lexicon.EN_WORDS + lexicon.EN_EXTRA:
        assert pieces(f"{word} {word}", "en") == ["\u2581" + word] * 2, word
    # The first digit of a number carries its space: no lone "▁" piece for the model to drop.
    assert pieces("call 371", "en") == ["\u2581call", "\u25813", "7", "1"]
    assert pieces("48", "en") == ["\u25814", "8"]
    assert pieces("电话371", "zh") == ["电", "话", "3", "7", "1"]  # Mandarin: no spaces at all


def test_a_sentence_initial_space_never_reaches_the_transcript(tokenizer):
    from dictate_app.engine.tags import parse_tagged

    ids = vocab.label_encoder(tokenizer.serialized_model_proto()).encode(vocab.label_text("call 371", "en"))
    tags = [vocab.TAG_IDS[t] for t in ("<|en|>", "<|NEUTRAL|>", "<|Speech|>", "<|withitn|>")]
    raw = tokenizer.decode(tags + ids)  # what funasr's decode gives for these ids
    assert raw == "<|en|><|NEUTRAL|><|Speech|><|withitn|> call 371"
    assert parse_tagged(raw).text == "call 371"


def test_am_mvn_is_kaldi_nnet1_that_funasr_reads(tmp_path: Path):
    from funasr.frontends.wav_frontend import load_cmvn
    import numpy as np

    mean = np.linspace(-3, 3, modeldir.FEATURE_DIM)
    std = np.linspace(0.5, 2, modeldir.FEATURE_DIM)
    modeldir.write_am_mvn(tmp_path / "am.mvn", mean, std)
    cmvn = load_cmvn(str(tmp_path / "am.mvn")).numpy()
    assert cmvn.shape == (2, 560)
    np.testing.assert_allclose(cmvn[0], -mean, atol=1e-5)
    np.testing.assert_allclose(cmvn[1], 1 / std, rtol=1e-5)


@pytest.mark.slow
def test_tiny_random_dir_loads_with_all_keys_and_generates(tmp_path: Path):
    out = modeldir.build_random_model_dir(tmp_path / "tiny")
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["am.mvn", "chn_jpn_yue_eng_ko_spectok.bpe.model", "config.yaml", "configuration.json", "model.pt"])
    text = modeldir.check_loads(out)  # asserts every key matched and loaded
    assert isinstance(text, str)


@pytest.mark.slow
def test_tiny_random_dir_passes_the_apps_validation(tmp_path: Path):
    from dictate_app.engine.modeldir import validate_model_dir

    out = modeldir.build_random_model_dir(tmp_path / "tiny")
    config = validate_model_dir(out)
    assert config.encoder_conf["output_size"] == modeldir.TINY_ENCODER["output_size"]
    assert config.frontend_conf["dither"] == 0.0
