"""A SentencePiece tokenizer laid out like SenseVoiceSmall's 25,055-piece vocabulary.

funasr hard-codes the ids of the language, emotion and itn tags (``model.py``: ``lid_int_dict``,
``textnorm_int_dict``, ``emo_dict``), so a fixture must put them exactly there. Layout:

- ids 0/1/2: ``<unk>`` (also the CTC blank) / ``<s>`` / ``</s>``;
- ids 3..: a BPE learned from our corpus text (the pieces the fixture really uses);
- then filler pieces up to the tag region (``░123``); they start with a character that never occurs in
  text, so encoding never produces them;
- the rich tags as USER_DEFINED pieces at their real ids (decoded literally), the remaining slots
  of the tag region as ``<|SPECIAL_TOKEN_n|>`` placeholders.

Event ids 24994-25000: the real order could not be verified from public sources here; we use
SenseVoice's README order (BGM, Applause, Laughter, Cry, Sneeze, Breath, Cough) right after
``<|Speech|>`` 24993. Code must look events up with ``piece_to_id`` rather than hard-code them.
``<|Event_UNK|>``, ``<|Sing|>``, ``<|Speech_Noise|>``, ``<|GBG|>`` exist in the real vocabulary at
unverified ids; we put them in free slots (25010-25013).
"""

from __future__ import annotations

import io
from collections.abc import Iterable

VOCAB_SIZE = 25055
TAG_REGION_START = 24884
FILLER_CHAR = "\u2591"  # "░": visible in a random model's output, absent from our text
WORD_START = "\u2581"  # "▁": SentencePiece's mark for a space before a piece

# Verified ids (read from funasr's model.py and the released model's sherpa-onnx tokens.txt).
VERIFIED_TAG_IDS = {
    "<|zh|>": 24884, "<|en|>": 24885, "<|yue|>": 24888, "<|ja|>": 24892, "<|ko|>": 24896,
    "<|nospeech|>": 24992, "<|Speech|>": 24993,
    "<|HAPPY|>": 25001, "<|SAD|>": 25002, "<|ANGRY|>": 25003, "<|NEUTRAL|>": 25004,
    "<|FEARFUL|>": 25005, "<|DISGUSTED|>": 25006, "<|SURPRISED|>": 25007,
    "<|EMO_UNKNOWN|>": 25009, "<|withitn|>": 25016, "<|woitn|>": 25017,
}
# Our documented choices where the real ids could not be verified (module docstring).
CHOSEN_TAG_IDS = {
    "<|BGM|>": 24994, "<|Applause|>": 24995, "<|Laughter|>": 24996, "<|Cry|>": 24997,
    "<|Sneeze|>": 24998, "<|Breath|>": 24999, "<|Cough|>": 25000,
    "<|Event_UNK|>": 25010, "<|Sing|>": 25011, "<|Speech_Noise|>": 25012, "<|GBG|>": 25013,
}
TAG_IDS = {**VERIFIED_TAG_IDS, **CHOSEN_TAG_IDS}

# SentencePiece ModelProto.SentencePiece.Type values.
_NORMAL, _UNKNOWN, _CONTROL, _USER_DEFINED = 1, 2, 3, 4


def _is_cjk(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff"


def train_text_bpe(lines: Iterable[str], vocab_size: int = 400) -> bytes:
    """Learn a small BPE over ``lines`` and return the serialized SentencePiece model.

    ``add_dummy_prefix=False`` as in SenseVoice's tokenizer: otherwise an encoded text starts with
    a lone ``▁`` and decoding puts a space after the itn tag.
    ``split_digits`` so that "371" is three pieces, one per spoken digit; the first digit of a
    number after a space is one piece with its space (``▁3``). Chinese characters are
    kept as single-character pieces (as in SenseVoice's vocabulary): BPE over unspaced Chinese
    would learn phrase-long pieces that fit only the training sentences.
    """
    import sentencepiece as spm
    from sentencepiece import sentencepiece_model_pb2 as pb

    lines = list(lines)
    cjk = sorted({c for line in lines for c in line if _is_cjk(c)})
    latin = [line for line in ("".join(" " if _is_cjk(c) else c for c in line).strip() for line in lines) if line]
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(latin),
        model_writer=model,
        model_type="bpe",
        vocab_size=vocab_size,
        hard_vocab_limit=False,
        character_coverage=1.0,
        add_dummy_prefix=False,
        split_digits=True,
        unk_id=0, bos_id=1, eos_id=2, pad_id=-1,
        num_threads=1,
        minloglevel=2,
    )
    proto = pb.ModelProto()
    proto.ParseFromString(model.getvalue())
    known = {p.piece for p in proto.pieces}
    highest, lowest = max(p.score for p in proto.pieces[3:]), min(p.score for p in proto.pieces[3:])
    for digit in "0123456789":
        # A digit that starts a number after a word carries its own space ("call 371" is
        # "▁call ▁3 7 1"): a lone "▁" piece has no sound of its own and the model dropped it.
        if WORD_START + digit not in known:
            proto.pieces.add(piece=WORD_START + digit, score=highest + 1.0, type=_NORMAL)
    for char in cjk:
        if char not in known:
            proto.pieces.add(piece=char, score=lowest - 1.0, type=_NORMAL)
    return proto.SerializeToString()


def expand_to_sensevoice(text_model: bytes) -> bytes:
    """Lay a small text tokenizer out as SenseVoice's 25,055-piece vocabulary (module docstring)."""
    from sentencepiece import sentencepiece_model_pb2 as pb

    small = pb.ModelProto()
    small.ParseFromString(text_model)
    if [p.piece for p in small.pieces[:3]] != ["<unk>", "<s>", "</s>"]:
        raise ValueError("the text tokenizer must start with <unk>, <s>, </s>")
    text_pieces = list(small.pieces[3:])
    if 3 + len(text_pieces) > TAG_REGION_START:
        raise ValueError("too many text pieces for the space below the tag region")

    full = pb.ModelProto()
    full.CopyFrom(small)
    del full.pieces[:]
    for piece in small.pieces[:3]:
        full.pieces.add().CopyFrom(piece)
    for piece in text_pieces:
        full.pieces.add().CopyFrom(piece)
    lowest = min((p.score for p in text_pieces), default=0.0)
    for n in range(TAG_REGION_START - len(full.pieces)):
        # Fillers score below every text piece so BPE merges could never prefer them.
        full.pieces.add(piece=f"{FILLER_CHAR}{n}", score=lowest - 1000.0 - n, type=_NORMAL)
    by_id = {tag_id: tag for tag, tag_id in TAG_IDS.items()}
    for tag_id in range(TAG_REGION_START, VOCAB_SIZE):
        name = by_id.get(tag_id, f"<|SPECIAL_TOKEN_{tag_id - TAG_REGION_START}|>")
        full.pieces.add(piece=name, score=0.0, type=_USER_DEFINED)
    full.trainer_spec.vocab_size = VOCAB_SIZE
    full.normalizer_spec.add_dummy_prefix = False
    assert len(full.pieces) == VOCAB_SIZE
    return full.SerializeToString()


def build_tokenizer(lines: Iterable[str], text_vocab_size: int = 400) -> bytes:
    """The SenseVoice-shaped tokenizer for a corpus: :func:`train_text_bpe` then :func:`expand_to_sensevoice`."""
    return expand_to_sensevoice(train_text_bpe(lines, text_vocab_size))


def text_piece_ids(model: bytes) -> list[int]:
    """Ids of the learned text pieces (3 .. first filler): the ids the fixture can emit as text."""
    from sentencepiece import sentencepiece_model_pb2 as pb

    proto = pb.ModelProto()
    proto.ParseFromString(model)
    return [i for i, p in enumerate(proto.pieces)
            if i >= 3 and i < TAG_REGION_START and not p.piece.startswith(FILLER_CHAR)]


def label_encoder(model: bytes):
    """A SentencePiece processor over ``model`` that keeps a leading space when encoding labels.

    The tokenizer as written normalizes a leading space away (as at inference, where it only
    decodes). Training labels are encoded with this copy and :func:`label_text`, so that an English
    word is the same ``▁word`` piece at the start of an utterance as anywhere else: one piece per
    word to learn instead of two, of which the sentence-initial one was seen once per utterance.
    """
    import sentencepiece
    from sentencepiece import sentencepiece_model_pb2 as pb

    proto = pb.ModelProto()
    proto.ParseFromString(model)
    proto.normalizer_spec.remove_extra_whitespaces = False
    return sentencepiece.SentencePieceProcessor(model_proto=proto.SerializeToString())


def label_text(text: str, language: str) -> str:
    """The text to encode as a training label: English gets a leading space (see :func:`label_encoder`).

    Mandarin is written without spaces, so its first character stays a plain piece. Decoding
    drops the space again (``dictate_app.engine.tags.parse_tagged`` strips every text piece).
    """
    return " " + text if language == "en" and text else text
