"""Train the miniature SenseVoice on the synthesized corpus, on CPU, and write the model directory.

The model is funasr's own ``SenseVoiceSmall`` (``funasr.models.sense_voice.model``) trained with
its own ``forward``: CTC over the text frames plus the cross-entropy "rich" loss on the 4 query
frames (language, emotion, event, itn), with its own SpecAugLFR. Labels are
``[lang, emotion, event, itn] + text pieces``, exactly what ``forward`` expects.

One training shortcut, documented in the fixture's README: the CTC output layer is trained over
the ~500 vocabulary entries the corpus uses (the 25,055-way softmax on every frame would cost
~5x the whole small encoder), with funasr's tag-id tables pointed at those compact ids. Before
writing, the layer is laid out at the real ids of the 25,055-piece vocabulary; every other row
gets zero weights and a bias far below the trained ones, so it is never the argmax. The written
checkpoint has exactly the real model's tensor names and layout.

CLI (the exact command is in tests/fixtures/mini-sensevoice/README.md):
``nice -n 10 python -m tools.minisv.train --out tests/fixtures/mini-sensevoice``.
"""

from __future__ import annotations

import argparse
import json
import math
import pickle
import random
import sys
import time
from pathlib import Path

import numpy as np

from tools.minisv import corpus, features, lexicon, modeldir, vocab, voices

# 128 x (6 + 1) blocks: with the 25,055 x 128 CTC layer, model.pt stays under 20 MB.
DEFAULT_ENCODER = {"output_size": 128, "attention_heads": 4, "linear_units": 512,
                   "num_blocks": 6, "tp_blocks": 1}
# Dropout is off while training: on this CPU its random masks cost a third of every step, and the
# corpus already varies voice, rate, pitch, noise, level and timing (plus SpecAugLFR). The written
# config keeps the real model's 0.1 values, which do nothing at inference.
NO_DROPOUT = {"dropout_rate": 0.0, "positional_dropout_rate": 0.0, "attention_dropout_rate": 0.0}
# SpecAugLFR's time mask repeats each mask at 7 positions spaced T/7 apart with widths up to 12
# frames: on our 1-4 s clips that blanks most of the utterance while its words stay in the label,
# and training stalled. Only its (LFR-aware) frequency mask is used.
TRAIN_SPECAUG = {"apply_time_warp": False, "apply_freq_mask": True, "freq_mask_width_range": [0, 30],
                 "lfr_rate": 6, "num_freq_mask": 1, "apply_time_mask": False}
WORK = modeldir.BENCH_CACHE.parent / "minisv-work"
# Thread probe (``--threads 1,2``): the first steps alternate between the thread counts in blocks of
# this many steps, for this many rounds each, so a load change on the shared machine hits both.
PROBE_BLOCK, PROBE_ROUNDS = 5, 2


def _features_chunk(args):
    """Worker: augmented raw features of a chunk of clips (own seed, so the result is deterministic)."""
    clips, copies, seed = args
    import torch

    torch.set_num_threads(1)
    frontend = features.make_frontend()
    rng = np.random.default_rng(seed)
    return [features.raw_features(frontend, features.augment(audio, rng, speech_start=start))
            for audio, start in clips for _ in range(copies)]


def prepare(items, copies: int, seed: int, work: Path, jobs: int = 2, stats=None):
    """Augmented raw features for every clip (``copies`` each), normalized with CMVN.

    ``stats``: the (mean, std) to normalize with; None computes them from these clips.
    ``work/am.mvn`` is (re)written with the statistics used.
    Returns (list of (normalized float16 features, spec)) and the (mean, std) used.
    """
    from concurrent.futures import ProcessPoolExecutor

    chunk = 250
    tasks = [([(audio, spec.speech_start) for spec, audio in items[i:i + chunk]], copies, seed * 100003 + i)
             for i in range(0, len(items), chunk)]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        raw = [f for part in pool.map(_features_chunk, tasks) for f in part]
    specs = [spec for spec, _ in items for _ in range(copies)]
    mean, std = stats if stats is not None else features.cmvn_stats(raw[:: max(1, len(raw) // 3000)])
    work.mkdir(parents=True, exist_ok=True)
    modeldir.write_am_mvn(work / "am.mvn", mean, std)
    shift, rescale = features.read_cmvn(str(work / "am.mvn"))
    data = [(features.apply_cmvn(f, shift, rescale).astype(np.float16), s) for f, s in zip(raw, specs)]
    return data, mean, std


def corpus_features(parts: list[tuple[int, int]], copies: int, work: Path, log=print):
    """Features of a corpus made of parts, ``(count, seed)`` each, cached in ``work`` per part.

    Every part is normalized with the first part's CMVN statistics (the same generator and
    augmentation, so the same distribution). A part's synthesized audio (about 10 GB for 50,000
    utterances) is loaded only when its features are not cached and dropped right after, so more
    distinct utterances fit in memory as another part than as a larger count.
    Returns (features, mean, std) and per-part timings.
    """
    data, stats, timings = [], None, []
    for count, seed in parts:
        norm = "" if stats is None else f"-cmvn{parts[0][0]}x{parts[0][1]}"
        path = work / f"features-{count}-{copies}-{seed}{_features_version()}{norm}.pkl"
        t0, cached = time.monotonic(), path.exists()
        if cached:  # deterministic, so a cached copy is the same data
            with open(path, "rb") as f:
                part, mean, std = pickle.load(f)
            t1 = t0
        else:
            items = load_or_build_corpus(count, seed, work)
            t1 = time.monotonic()
            part, mean, std = prepare(items, copies, seed, work, stats=stats)
            del items
            with open(path, "wb") as f:
                pickle.dump((part, mean, std), f)
        row = {"count": count, "seed": seed, "cached": cached, "corpus_s": round(t1 - t0),
               "features_s": round(time.monotonic() - t1), "frames": sum(len(f) for f, _ in part)}
        log(json.dumps(row))
        timings.append(row)
        data += part
        stats = stats or (mean, std)
    modeldir.write_am_mvn(work / "am.mvn", *stats)
    return data, stats[0], stats[1], timings


class Labels:
    """Turns a spec into SenseVoice's label ids, in the compact training vocabulary.

    Text goes through :func:`vocab.label_encoder` / :func:`vocab.label_text`, so an English word has
    one piece (``▁word``) at the start of an utterance as everywhere else.
    """

    def __init__(self, tokenizer: bytes):
        self.sp = vocab.label_encoder(tokenizer)
        self.real_ids = [0, 1, 2] + vocab.text_piece_ids(tokenizer) + sorted(vocab.TAG_IDS.values())
        self.compact = {real: i for i, real in enumerate(self.real_ids)}

    def ids(self, spec: corpus.Utterance, itn: bool) -> list[int]:
        real = [vocab.TAG_IDS[t] for t in spec.tags(itn)] + self.sp.encode(vocab.label_text(spec.text(itn), spec.language))
        return [self.compact[i] for i in real]


def build_training_model(enc: dict, labels: Labels):
    """funasr's SenseVoiceSmall with a compact CTC layer and its tag tables mapped to compact ids."""
    import torch

    from funasr.models.sense_voice.model import SenseVoiceSmall

    conf = modeldir.config_dict(modeldir.encoder_conf(**enc))
    model = SenseVoiceSmall(
        specaug=conf["specaug"], specaug_conf=TRAIN_SPECAUG, encoder=conf["encoder"],
        encoder_conf={**conf["encoder_conf"], **NO_DROPOUT}, input_size=modeldir.FEATURE_DIM,
        vocab_size=len(labels.real_ids), **conf["model_conf"])
    # forward() maps the language/itn label ids to query rows through these tables.
    model.lid_int_dict = {labels.compact[k]: v for k, v in model.lid_int_dict.items()}
    model.textnorm_int_dict = {labels.compact[k]: v for k, v in model.textnorm_int_dict.items()}
    torch.nn.init.zeros_(model.ctc.ctc_lo.bias)
    return model


def encoder_in_bf16(model) -> None:
    """Run the encoder's forward (and so its backward) under CPU bfloat16 autocast.

    On a CPU with AMX or AVX-512 BF16 its matrix products take about 0.7 of the fp32 time, and
    the step is matmul-bound. The weights, the optimizer and everything after the encoder (CTC
    layer, log-softmax, CTC and rich-tag losses) stay fp32: the encoder's output is cast back.
    """
    import torch

    forward = model.encoder.forward

    def forward_bf16(*args, **kwargs):
        with torch.autocast("cpu", dtype=torch.bfloat16):
            out, lengths = forward(*args, **kwargs)
        return out.float(), lengths

    model.encoder.forward = forward_bf16


def full_state_dict(model, labels: Labels) -> dict:
    """The trained weights with the CTC layer laid out over the real 25,055-piece vocabulary."""
    import torch

    state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    weight, bias = state["ctc.ctc_lo.weight"], state["ctc.ctc_lo.bias"]
    full_w = torch.zeros(vocab.VOCAB_SIZE, weight.shape[1])
    # Far below any trained bias: a row that was never trained can never win the argmax.
    full_b = torch.full((vocab.VOCAB_SIZE,), float(bias.min()) - 100.0)
    index = torch.tensor(labels.real_ids)
    full_w[index], full_b[index] = weight, bias
    state["ctc.ctc_lo.weight"], state["ctc.ctc_lo.bias"] = full_w, full_b
    return state


def batches(data, max_frames: int, rng: random.Random) -> list[list[int]]:
    """Length-sorted batches of at most ``max_frames`` padded frames, in random order."""
    order = sorted(range(len(data)), key=lambda i: len(data[i][0]) + rng.random())
    out, current, longest = [], [], 0
    for i in order:
        longest_next = max(longest, len(data[i][0]) + 4)
        if current and longest_next * (len(current) + 1) > max_frames:
            out.append(current)
            current, longest_next = [], len(data[i][0]) + 4
        current.append(i)
        longest = longest_next
    if current:
        out.append(current)
    rng.shuffle(out)
    return out


def collate(data, idx: list[int], labels: Labels, rng: random.Random):
    """Padded speech, lengths, labels (padded with -1) for one batch; itn style drawn per clip."""
    import torch

    feats = [torch.from_numpy(data[i][0].astype(np.float32)) for i in idx]
    ys = [labels.ids(data[i][1], itn=rng.random() < 0.5) for i in idx]
    speech = torch.nn.utils.rnn.pad_sequence(feats, batch_first=True)
    text = torch.full((len(idx), max(len(y) for y in ys)), -1, dtype=torch.long)
    for row, y in enumerate(ys):
        text[row, : len(y)] = torch.tensor(y)
    return (speech, torch.tensor([len(f) for f in feats]), text, torch.tensor([len(y) for y in ys]))


def train(data, labels: Labels, enc: dict, steps: int, seed: int, max_frames: int = 1000,
          peak_lr: float = 2e-3, warmup: int = 200, log=print, init: Path | None = None,
          every: int = 250, on_checkpoint=None, minutes: float | None = None,
          probe_threads: tuple[int, ...] = (), bf16: bool = False):
    """Train for ``steps`` updates (warm-up, then cosine decay); returns the model and a log.

    By default a fixed number of steps, so the result does not depend on how busy the shared
    machine is. ``minutes``: a wall-clock budget as well; the schedule then follows whichever of
    steps and time is further along, so training ends on time with a fully decayed learning rate
    even when other jobs slow it down (the number of steps done is logged; such a run is not
    reproducible step for step). ``init``: start from a training checkpoint written by a previous run.
    Every ``every`` steps a progress line is logged and ``on_checkpoint(model, step)`` is called.
    ``probe_threads``: time the first steps with each of these torch thread counts (seconds per
    padded frame; the very first step, with its one-time allocations, is left out) and keep the
    faster for the rest: on a 2-core machine shared with other jobs two threads can be several
    times slower than one, or faster when it is quiet. The choice is logged and added to the log.
    ``bf16``: run the encoder in bfloat16 (see :func:`encoder_in_bf16`).
    """
    import torch

    torch.manual_seed(seed)
    rng = random.Random(seed)
    model = build_training_model(enc, labels)
    if bf16:
        encoder_in_bf16(model)
    if init is not None:
        model.load_state_dict(torch.load(init, weights_only=True))
    optimizer = torch.optim.AdamW(model.parameters(), lr=peak_lr, weight_decay=0.01)
    start, step, epoch, history = time.monotonic(), 0, 0, []
    steps_per_epoch = len(batches(data, max_frames, rng))
    model.train()
    probe = {n: [0.0, 0] for n in probe_threads}  # thread count -> [seconds, padded frames]
    probe_steps = PROBE_BLOCK * PROBE_ROUNDS * len(probe_threads)

    def progress() -> float:
        if minutes is None:
            return step / steps
        return max(step / steps, (time.monotonic() - start) / (60 * minutes))

    while progress() < 1:
        epoch += 1
        losses, accs = [], []
        for idx in batches(data, max_frames, rng):
            frac = progress()
            if frac >= 1:
                break
            lr = peak_lr * min(1.0, (step + 1) / warmup) * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * frac)))
            for group in optimizer.param_groups:
                group["lr"] = lr
            if step < probe_steps:
                threads = probe_threads[(step // PROBE_BLOCK) % len(probe_threads)]
                torch.set_num_threads(threads)
            t_step = time.monotonic()
            speech, lengths, text, text_lengths = collate(data, idx, labels, rng)
            loss, stats, _ = model(speech, lengths, text, text_lengths)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            optimizer.step()
            if 0 < step < probe_steps:
                probe[threads][0] += time.monotonic() - t_step
                probe[threads][1] += speech.shape[0] * speech.shape[1]
            step += 1
            if probe_steps and step == probe_steps:
                per_frame = {n: sec / max(frames, 1) for n, (sec, frames) in probe.items()}
                best = min(per_frame, key=per_frame.get)
                torch.set_num_threads(best)
                row = {"thread_probe_ms_per_1000_frames": {n: round(1e6 * v) for n, v in per_frame.items()},
                       "threads": best, "step": step}
                history.append(row)
                log(json.dumps(row))
            losses.append(float(loss))
            accs.append(float(stats["acc_rich"]))
            if step % every == 0:
                log(json.dumps({"step": step, "minutes": round((time.monotonic() - start) / 60, 2),
                                "loss": round(float(np.mean(losses[-every:])), 3),
                                "acc_rich": round(float(np.mean(accs[-every:])), 3), "lr": round(lr, 6)}))
                if on_checkpoint is not None:
                    model.eval()
                    on_checkpoint(model, step)
                    model.train()
        row = {"epoch": epoch, "steps": step, "minutes": round((time.monotonic() - start) / 60, 2),
               "loss": round(float(np.mean(losses)), 3) if losses else None,
               "acc_rich": round(float(np.mean(accs)), 3) if accs else None,
               "lr": round(lr, 6), "steps_per_epoch": steps_per_epoch}
        history.append(row)
        log(json.dumps(row))
    model.eval()
    return model, history


def _version() -> str:
    """Cache-name suffix: the random voice generator's version (its variants keep their names),
    ``t`` since the emotion proxy's rate is corrected by each variant's tempo."""
    return f"-v{voices.VERSION}t"


def _features_version() -> str:
    """Features cache-name suffix: the corpus's, ``l`` since the augmentation cuts short lead-ins."""
    return _version() + "l"


def load_or_build_corpus(count: int, seed: int, work: Path):
    """The synthesized training corpus, cached in ``work`` (synthesis is deterministic).

    Spec ``n`` of a seed does not depend on ``count``, so a smaller cached corpus of the same seed
    is the prefix of a larger one: only the missing utterances are synthesized (checked by spec).
    """
    path = work / f"train-{count}-{seed}{_version()}.pkl"
    if path.exists():
        with open(path, "rb") as f:
            return pickle.load(f)
    specs = corpus.make_specs(count, seed, "train")
    smaller = sorted((int(p.name.split("-")[1]), p) for p in work.glob(f"train-*-{seed}{_version()}.pkl")
                     if int(p.name.split("-")[1]) < count)
    items: list = []
    if smaller:
        with open(smaller[-1][1], "rb") as f:
            items = pickle.load(f)
        if [spec for spec, _ in items] != specs[: len(items)]:
            items = []  # the corpus generator changed since: synthesize everything again
    items += corpus.render_all(specs[len(items):])
    work.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        pickle.dump(items, f)
    return items


def _corpus_part(text: str) -> tuple[int, int]:
    """``COUNT:SEED`` of ``--more``."""
    count, _, seed = text.partition(":")
    if not (count.isdigit() and seed.isdigit()):
        raise argparse.ArgumentTypeError(f"expected COUNT:SEED such as 40000:4, got {text!r}")
    return int(count), int(seed)


def main(argv: list[str] | None = None) -> int:
    """CLI: synthesize, augment, train, write the model directory and a training record."""
    import torch

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--count", type=int, default=5000, help="training utterances")
    parser.add_argument("--copies", type=int, default=3, help="augmented copies of each")
    parser.add_argument("--more", action="append", default=[], metavar="COUNT:SEED", type=_corpus_part,
                        help="another corpus part of COUNT utterances from SEED (repeatable)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--steps", type=int, default=4000, help="optimizer updates")
    parser.add_argument("--minutes", type=float, help="also stop after this much wall-clock time (see train())")
    parser.add_argument("--batch-frames", type=int, default=1000, help="padded frames per batch")
    parser.add_argument("--checkpoint-every", type=int, default=500,
                        help="write the model directory every N steps (to watch progress)")
    parser.add_argument("--init", type=Path, help="continue from this training checkpoint")
    parser.add_argument("--lr", type=float, default=2e-3, help="peak learning rate")
    parser.add_argument("--warmup", type=int, default=200, help="warm-up steps (short for an --init continuation)")
    parser.add_argument("--threads", default="2",
                        help="torch threads; a list such as 1,2 times each over the first steps and keeps the faster")
    parser.add_argument("--work", type=Path, default=WORK, help="cache for the corpus")
    parser.add_argument("--bf16", action="store_true", help="encoder in bfloat16 autocast (fast on AMX / AVX-512 BF16 CPUs)")
    args = parser.parse_args(argv)
    thread_counts = tuple(int(n) for n in args.threads.split(","))
    torch.set_num_threads(thread_counts[0])

    parts = [(args.count, args.seed)] + args.more
    data, mean, std, timings = corpus_features(parts, args.copies, args.work, log=lambda line: print(line, flush=True))
    t2 = time.monotonic()
    print(f"{len(data)} clips, {sum(len(f) for f, _ in data)} frames", flush=True)
    tokenizer = vocab.build_tokenizer(lexicon.all_text_samples())
    labels = Labels(tokenizer)
    enc = modeldir.encoder_conf(**DEFAULT_ENCODER)

    def checkpoint(model, step):
        modeldir.write_model_dir(args.out, enc, full_state_dict(model, labels), tokenizer, mean, std)
        torch.save(model.state_dict(), args.work / "train-checkpoint.pt")

    cpu0 = time.process_time()
    model, history = train(data, labels, DEFAULT_ENCODER, args.steps, args.seed, args.batch_frames,
                           log=lambda line: print(line, flush=True), init=args.init,
                           every=args.checkpoint_every, on_checkpoint=checkpoint, peak_lr=args.lr,
                           minutes=args.minutes, warmup=args.warmup,
                           probe_threads=thread_counts if len(thread_counts) > 1 else (), bf16=args.bf16)
    train_cpu = time.process_time() - cpu0
    torch.save(model.state_dict(), args.work / "train-checkpoint.pt")
    t3 = time.monotonic()
    modeldir.write_model_dir(args.out, enc, full_state_dict(model, labels), tokenizer, mean, std)
    record = {"command": "python -m tools.minisv.train " + " ".join(sys.argv[1:] if argv is None else argv),
              "encoder": DEFAULT_ENCODER, "count": args.count, "copies": args.copies,
              "seed": args.seed, "threads": torch.get_num_threads(), "warmup": args.warmup,
              "parts": timings, "corpus_s": sum(row["corpus_s"] for row in timings),
              "features_s": sum(row["features_s"] for row in timings), "train_s": round(t3 - t2),
              "train_cpu_s": round(train_cpu), "steps": args.steps, "minutes": args.minutes,
              "steps_done": history[-1]["steps"] if history else 0,
              "batch_frames": args.batch_frames, "lr": args.lr, "bf16": args.bf16,
              "init": str(args.init) if args.init else None,
              "parameters": sum(p.numel() for p in model.parameters()), "history": history}
    (args.work / "train-record.json").write_text(json.dumps(record, indent=2), encoding="utf-8")
    print(json.dumps({k: v for k, v in record.items() if k != "history"}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
