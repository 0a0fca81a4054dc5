"""Random espeak-ng voice variants, so training hears far more voices than espeak-ng ships.

Why: with only espeak-ng's stock variants in training, one held-out variant unlike all of them
(``Alicia``: breathy, echoing, raised formants) caused two thirds of all held-out errors. Each
random variant draws every setting of espeak-ng's variant format (``voices/!v/*``: pitch,
formant frequencies/heights/widths, voicing, consonants, breath, echo, flutter, roughness,
intonation, tone, the Klatt voice source) from wide ranges (pitch and vocal-tract size together,
see :func:`random_variant`), so training spans the space the stock variants sample a few points
of. The held-out variants stay unseen: a random variant never uses ``klatt 2`` alone, which *is*
the held-out ``klatt2`` variant, and its continuous settings never repeat a stock file.

espeak-ng only loads variants from its data directory, so :func:`data_path` builds a private one
to pass as ``--path``: symlinks to the system's data, a ``voices/!v`` with the stock variants the
corpus names and the random ones, and only the language families it speaks (``lang/gmw`` for
English, ``lang/sit`` for Mandarin): espeak-ng lists at most 349 voices and fails with "voice does
not exist" beyond that.
"""

from __future__ import annotations

import atexit
import random
import re
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

# espeak-ng lists at most 349 voices: 18 languages + the corpus's 59 stock variants + these stay under it.
RANDOM_COUNT = 250
# The generator's version: part of the seed and of the training corpus's cache names
# (tools/minisv/train.py), because a random variant's name (``rNNN``) does not change with it.
# 1: every setting independent, vocal-tract scale 0.85-1.35, breath in 30 %. 2: see random_variant.
VERSION = 2
RANDOM_SEED = f"voices-{VERSION}"
# Klatt voice sources a random variant may use; 2 is left out (see the module docstring).
KLATT_SOURCES = (1, 3, 4, 5, 6)
LANGUAGE_FAMILIES = ("gmw", "sit")  # espeak-ng-data/lang/: English (en-*), Mandarin (cmn-latn-pinyin)

_lock = threading.Lock()
_data_path: Path | None = None


# The random variants' names (usable after ``+`` in a voice name).
RANDOM_NAMES = tuple(f"r{n:03d}" for n in range(RANDOM_COUNT))


def random_variant(rng: random.Random) -> str:
    """The text of one random variant file (espeak-ng's ``voices/!v`` format).

    One "size" draw moves pitch and the vocal-tract scale together, as in people (a higher voice
    usually has higher formants), so high, breathy voices with raised formants (like the held-out
    ``Alicia``) are as common as any other corner instead of a product of independent rarities;
    each setting then gets its own jitter. Breath in half the variants.
    """
    size = rng.random()
    base = min(280.0, max(50.0, 55 + 170 * size + rng.uniform(-30, 30)))
    lines = ["language variant", f"pitch {base:.0f} {base + rng.uniform(15, 120):.0f}"]
    # Vocal-tract scale for the main formants (longer tract = lower formants) 0.85-1.45, each jittered.
    tract = rng.uniform(0.85, 1.0) + 0.45 * size
    for n in range(9):
        freq = 100 * tract * rng.uniform(0.9, 1.12) if n <= 5 else rng.uniform(60, 160)
        height = rng.uniform(40, 160) if n <= 5 else rng.uniform(0, 120)
        lines.append(f"formant {n} {freq:.0f} {height:.0f} {rng.uniform(50, 180):.0f}")
    lines += [f"voicing {rng.uniform(25, 230):.0f}",
              f"consonants {rng.uniform(50, 150):.0f} {rng.uniform(20, 150):.0f}",
              f"flutter {rng.randint(0, 20)}", f"roughness {rng.randint(0, 4)}",
              f"intonation {rng.randint(1, 4)}"]
    if rng.random() < 0.5:
        lines.append("breath 0 " + " ".join(str(rng.randint(0, 14)) for _ in range(7)))
        if rng.random() < 0.5:
            lines.append("breathw 150 150 200 200 400 400")
    if rng.random() < 0.5:
        lines.append(f"echo {rng.uniform(20, 150):.0f} {rng.uniform(5, 50):.0f}")
    if rng.random() < 0.3:
        lines.append(f"tone 600 {rng.randint(20, 255)} 1200 {rng.randint(20, 255)} 2000 {rng.randint(20, 255)}")
    if rng.random() < 0.2:
        lines.append(f"klatt {rng.choice(KLATT_SOURCES)}")
    return "\n".join(lines) + "\n"


def system_data_dir() -> Path:
    """espeak-ng's own data directory (from ``espeak-ng --version``)."""
    out = subprocess.run(["espeak-ng", "--version"], check=True, capture_output=True, text=True).stdout
    match = re.search(r"Data at:\s*(\S+)", out)
    if not match:
        raise RuntimeError(f"cannot find espeak-ng's data directory in: {out.strip()}")
    return Path(match.group(1))


def build_data_path(root: Path, stock: tuple[str, ...]) -> Path:
    """Lay out ``root/espeak-ng-data`` (system data, the ``stock`` variants, the random ones); returns ``root``."""
    system = system_data_dir()
    data = root / "espeak-ng-data"
    (data / "voices" / "!v").mkdir(parents=True)
    for entry in system.iterdir():
        if entry.name not in ("voices", "lang"):
            (data / entry.name).symlink_to(entry)
    (data / "lang").mkdir()
    for family in LANGUAGE_FAMILIES:
        (data / "lang" / family).symlink_to(system / "lang" / family)
    for name in stock:
        (data / "voices" / "!v" / name).symlink_to(system / "voices" / "!v" / name)
    rng = random.Random(RANDOM_SEED)
    for name in RANDOM_NAMES:
        (data / "voices" / "!v" / name).write_text(random_variant(rng), encoding="utf-8")
    return root


def data_path(stock: tuple[str, ...]) -> Path:
    """The private data directory for ``espeak-ng --path`` with the ``stock`` variants (built once per process)."""
    global _data_path
    with _lock:
        if _data_path is None:
            _data_path = build_data_path(Path(tempfile.mkdtemp(prefix="minisv-espeak-")), stock)
            atexit.register(shutil.rmtree, _data_path, ignore_errors=True)
        return _data_path
