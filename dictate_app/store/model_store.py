"""Where the model lives, how it is downloaded, and how its files are verified.

The published SenseVoiceSmall files are pinned by size and sha256 (see the reference notes; the
same files are on ModelScope as ``iic/SenseVoiceSmall`` and on Hugging Face as
``FunAudioLLM/SenseVoiceSmall``). Downloads resume from ``<file>.part``, and a file only takes its
final name after its checksum matched, so a half-downloaded model is never loaded.

Each file is read up to its pinned size and no further: a server that sends more (a wrong file,
an error page appended, or a body that never ends) stops the download with an error instead of
filling the disk; a server that sends less leaves the ``.part`` for the next download to resume.
"""

from __future__ import annotations

import hashlib
import os
import socket
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dictate_app.engine.modeldir import MODEL_FILES
from dictate_app.errors import ModelError

ENV_MODEL_DIR = "DICTATE_MODEL_DIR"
MODEL_NAME = "SenseVoiceSmall"


@dataclass(frozen=True)
class FileSpec:
    name: str
    size: int
    sha256: str


# The published SenseVoiceSmall (Hugging Face revision 3847d57b, identical on ModelScope).
SENSEVOICE_SMALL = (
    FileSpec("model.pt", 936_291_369, "833ca2dcfdf8ec91bd4f31cfac36d6124e0c459074d5e909aec9cabe6204a3ea"),
    FileSpec("config.yaml", 1_855, "f71e239ba36705564b5bf2d2ffd07eece07b8e3f2bbf6d2c99d8df856339ac19"),
    FileSpec("am.mvn", 11_203, "29b3c740a2c0cfc6b308126d31d7f265fa2be74f3bb095cd2f143ea970896ae5"),
    FileSpec("chn_jpn_yue_eng_ko_spectok.bpe.model", 377_341,
             "aa87f86064c3730d799ddf7af3c04659151102cba548bce325cf06ba4da4e6a8"),
    FileSpec("configuration.json", 396, "02810a7f8e9e8aee10370a265f7e799728ce25b4c00cdbf4602b303ee395a38e"),
)

SOURCES = {
    "modelscope": "https://www.modelscope.cn/models/iic/SenseVoiceSmall/resolve/master/",
    "huggingface": "https://huggingface.co/FunAudioLLM/SenseVoiceSmall/resolve/main/",
}

# sherpa-onnx's int8 conversion of the same model (sherpa-onnx-sense-voice-zh-en-ja-ko-yue-2024-07-17;
# Hugging Face csukuangfj/..., revision 2365baea, and its ModelScope mirror hold the same bytes).
# Sizes and digests agree across several independent projects' pinned manifests.
SHERPA_SENSEVOICE_INT8 = (
    FileSpec("model.int8.onnx", 239_233_841, "c71f0ce00bec95b07744e116345e33d8cbbe08cef896382cf907bf4b51a2cd51"),
    FileSpec("tokens.txt", 315_894, "f449eb28dc567533d7fa59be34e2abca8784f771850c78a47fb731a31429a1dc"),
)
ONNX_INT8_SOURCES = {
    "modelscope": "https://www.modelscope.cn/models/pengzhendong/sherpa-onnx-sense-voice-zh-en-ja-ko-yue/resolve/master/",
    "huggingface": "https://huggingface.co/csukuangfj/sherpa-onnx-sense-voice-zh-en-ja-ko-yue-2024-07-17/"
                   "resolve/2365baeacb507f821a0c8120fcee3d484dba7a07/",
}
HUB_NAMES = {
    SENSEVOICE_SMALL: "iic/SenseVoiceSmall (ModelScope) or FunAudioLLM/SenseVoiceSmall (Hugging Face)",
    SHERPA_SENSEVOICE_INT8: "csukuangfj/sherpa-onnx-sense-voice-zh-en-ja-ko-yue-2024-07-17 (Hugging Face)",
}
CONNECT_TIMEOUT_S = 10.0
CHUNK = 1 << 20


def store_dir() -> Path:
    """The model store: ``<data dir>/models/SenseVoiceSmall`` (``~/.local/share/dictate-app/...``)."""
    from dictate_app.paths import data_dir

    return data_dir() / "models" / MODEL_NAME


def default_model_dir() -> Path:
    """``$DICTATE_MODEL_DIR`` if set, else the model store: the folder used when neither
    ``--model`` nor the ``model_dir`` setting names one."""
    override = os.environ.get(ENV_MODEL_DIR)
    if override:
        return Path(override).expanduser()
    return store_dir()


@dataclass(frozen=True)
class ModelFolder:
    """The model folder in use and where that choice came from (for ``model path`` and messages)."""

    path: Path
    source: str  # one of SOURCES_OF_CHOICE

    def describe(self) -> str:
        return SOURCES_OF_CHOICE[self.source]


SOURCES_OF_CHOICE = {
    "option": "--model",
    "setting": "the model_dir setting, chosen in the setup window or Settings",
    "environment": f"${ENV_MODEL_DIR}",
    "store": "no folder chosen, so the model store",
}


def resolve_model_dir(given: str | Path | None = None, saved: str = "") -> ModelFolder:
    """The one model folder the tray app and every command use.

    ``given`` (``--model DIR``, this run only) wins; then ``saved``, the ``model_dir`` setting the
    setup window and Settings write; then ``$DICTATE_MODEL_DIR``; then the store. The setting comes
    before the environment so that the tray app started from the desktop menu (which does not see
    a shell's variables) and a command typed in a terminal agree.
    """
    if given is not None and str(given).strip():
        return ModelFolder(Path(given).expanduser(), "option")
    if saved and saved.strip():
        return ModelFolder(Path(saved.strip()).expanduser(), "setting")
    if os.environ.get(ENV_MODEL_DIR):
        return ModelFolder(default_model_dir(), "environment")
    return ModelFolder(store_dir(), "store")


def manual_placement_hint(dest: Path, manifest=SENSEVOICE_SMALL) -> str:
    names = MODEL_FILES if manifest is SENSEVOICE_SMALL else [spec.name for spec in manifest]
    return (
        f"download the files {', '.join(names)} of {HUB_NAMES.get(manifest, 'the model')} "
        f"on a connected machine, put them in {dest}, then run `dictate-app model verify`"
    )


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class FileCheck:
    name: str
    ok: bool
    problem: str = ""


def check_files(model_dir: Path, manifest=SENSEVOICE_SMALL) -> list[FileCheck]:
    """Compare each file of ``model_dir`` with the manifest: present, size, then sha256."""
    checks = []
    for spec in manifest:
        path = model_dir / spec.name
        if not path.is_file():
            checks.append(FileCheck(spec.name, False, "missing"))
        elif path.stat().st_size != spec.size:
            checks.append(FileCheck(spec.name, False, f"{path.stat().st_size:,} bytes, expected {spec.size:,}"))
        elif sha256_of(path) != spec.sha256:
            checks.append(FileCheck(spec.name, False, "checksum differs from the published file"))
        else:
            checks.append(FileCheck(spec.name, True))
    return checks


ProgressFn = Callable[[str, int, int], None]  # (file name, bytes so far, total bytes)


class _Oversize(Exception):
    """The server sent (or announced) more bytes than the file's pinned size."""


def _fetch(url: str, part: Path, spec: FileSpec, progress: ProgressFn | None) -> None:
    """Append the rest of ``url`` to ``part``, never past ``spec.size`` bytes; raises
    :class:`_Oversize` if the server has more to send than that."""
    have = part.stat().st_size if part.exists() else 0
    if have > spec.size:
        part.unlink()
        have = 0
    if have == spec.size:
        return
    request = urllib.request.Request(url, headers={"User-Agent": "dictate-app"})
    if have:
        request.add_header("Range", f"bytes={have}-")
    with urllib.request.urlopen(request, timeout=CONNECT_TIMEOUT_S) as response:
        if have and response.status != 206:  # the server ignored Range: start over
            have = 0
        announced = response.headers.get("Content-Length", "")
        if announced.isdigit() and int(announced) > spec.size - have:
            raise _Oversize
        with open(part, "ab" if have else "wb") as out:
            while have < spec.size:
                block = response.read(min(CHUNK, spec.size - have))
                if not block:
                    return  # fewer bytes than pinned: the .part stays for a resumed download
                out.write(block)
                have += len(block)
                if progress:
                    progress(spec.name, have, spec.size)
        # At the pinned size a server sending the published file has nothing left (with a
        # Content-Length this reads nothing from the socket).
        if response.read(1):
            raise _Oversize


def download_model(
    dest: Path,
    source: str = "modelscope",
    *,
    base_url: str | None = None,
    manifest=SENSEVOICE_SMALL,
    progress: ProgressFn | None = None,
    sources: dict[str, str] = SOURCES,
) -> Path:
    """Download every manifest file into ``dest``, resuming and verifying each one.

    Files already present with the right checksum are kept. Raises :class:`ModelError` with the
    manual-placement instructions when the source cannot be reached.
    """
    if base_url is None:
        if source not in sources:
            raise ModelError(f"unknown source {source!r}; use one of {', '.join(sources)}")
        base_url = sources[source]
    unpinned = [spec.name for spec in manifest if spec.size <= 0 or len(spec.sha256) != 64]
    if unpinned:  # never fetch what cannot be verified
        raise ModelError(f"refusing to download {', '.join(unpinned)}: no published size and sha256 is pinned")
    dest.mkdir(parents=True, exist_ok=True)
    for spec in manifest:
        final = dest / spec.name
        if final.is_file() and final.stat().st_size == spec.size and sha256_of(final) == spec.sha256:
            if progress:
                progress(spec.name, spec.size, spec.size)
            continue
        part = dest / (spec.name + ".part")
        try:
            _fetch(base_url + spec.name, part, spec, progress)
        except _Oversize:
            part.unlink(missing_ok=True)  # bytes from a server that is not sending the published file
            raise ModelError(
                f"{base_url} sent more than the published {spec.size:,} bytes of {spec.name}, so the "
                f"download was stopped there; try again from the other source, or to install by hand, "
                + manual_placement_hint(dest, manifest)
            ) from None
        except (urllib.error.URLError, socket.timeout, ConnectionError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ModelError(
                f"could not download {spec.name} from {base_url} ({reason}); to install by hand, "
                + manual_placement_hint(dest, manifest)
            ) from None
        size = part.stat().st_size
        if size < spec.size:
            raise ModelError(
                f"the download of {spec.name} from {base_url} stopped at {size:,} of {spec.size:,} bytes; "
                "run it again to resume where it stopped"
            )
        if sha256_of(part) != spec.sha256:
            part.unlink()
            raise ModelError(
                f"{spec.name} downloaded from {base_url} does not match the published file "
                f"({size:,} bytes); it was deleted, run the download again"
            )
        part.replace(final)
    return dest


def text_progress(stream=sys.stderr) -> ProgressFn:
    """A one-line progress bar for terminals (rewritten in place)."""
    def report(name: str, done: int, total: int) -> None:
        width = 30
        filled = int(width * done / total) if total else width
        stream.write(f"\r{name:40.40s} [{'#' * filled}{'.' * (width - filled)}] "
                     f"{done / 1e6:8.1f}/{total / 1e6:.1f} MB")
        if done >= total:
            stream.write("\n")
        stream.flush()

    return report
