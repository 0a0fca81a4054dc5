"""Training data assembly: a corpus made of parts, each cached, all normalized with the first part's CMVN."""

from __future__ import annotations

import random

import numpy as np

from tools.minisv import corpus, features, train


def fake_corpus(count: int, seed: int, work):
    """Seam for synthesis: ``count`` clips of noise at a level that depends on the seed."""
    rng = np.random.default_rng(seed)
    specs = corpus.make_specs(count, seed, "train")
    return [(spec, (0.02 * seed * rng.standard_normal(22050)).astype(np.float32)) for spec in specs]


def test_parts_are_cached_and_normalized_with_the_first_parts_statistics(tmp_path, monkeypatch):
    built = []
    monkeypatch.setattr(train, "load_or_build_corpus",
                        lambda count, seed, work: built.append((count, seed)) or fake_corpus(count, seed, work))
    data, mean, std, timings = train.corpus_features([(4, 1), (3, 5)], 1, tmp_path, log=lambda line: None)

    assert built == [(4, 1), (3, 5)] and len(data) == 7
    assert [row["cached"] for row in timings] == [False, False]
    assert all(f.dtype == np.float16 for f, _ in data)
    # am.mvn holds the first part's statistics, which center the first part ...
    shift, rescale = features.read_cmvn(str(tmp_path / "am.mvn"))
    assert np.allclose(shift, -mean, atol=1e-5) and np.allclose(rescale, 1 / std, rtol=1e-4)
    first = np.concatenate([f.astype(np.float32) for f, _ in data[:4]])
    assert abs(first.mean()) < 0.1
    # ... and the louder second part (seed 5) is expressed in them, not re-centered on its own.
    second = np.concatenate([f.astype(np.float32) for f, _ in data[4:]])
    assert second.mean() > first.mean() + 0.5

    built.clear()
    again, *_ = train.corpus_features([(4, 1), (3, 5)], 1, tmp_path, log=lambda line: None)
    assert built == [] and all(np.array_equal(a[0], b[0]) for a, b in zip(again, data))


def test_bf16_encoder_trains_the_same_model_in_lower_precision():
    import torch

    from tools.minisv import lexicon, vocab

    labels = train.Labels(vocab.build_tokenizer(lexicon.all_text_samples()))
    specs = [s for s in corpus.make_specs(12, 4, "heldout") if s.language != "nospeech"][:4]
    data = [(np.random.default_rng(n).standard_normal((30, 560)).astype(np.float16), spec)
            for n, spec in enumerate(specs)]
    batch = train.collate(data, list(range(len(data))), labels, random.Random(0))
    losses = {}
    for bf16 in (False, True):
        torch.manual_seed(0)
        model = train.build_training_model(train.DEFAULT_ENCODER, labels)
        model.specaug = None  # the same input for both runs
        if bf16:
            train.encoder_in_bf16(model)
        loss, _, _ = model(*batch)
        loss.backward()
        losses[bf16] = float(loss)
        # the weights and their gradients stay fp32: only the encoder's arithmetic is bf16
        assert all(p.dtype == torch.float32 and p.grad.dtype == torch.float32
                   for p in model.parameters() if p.grad is not None)
    assert np.isfinite(losses[True]) and abs(losses[True] - losses[False]) < 0.02 * losses[False]
