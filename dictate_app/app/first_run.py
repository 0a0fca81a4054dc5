"""First-run model setup, without Qt: is the configured model usable, which format this install
should download, how far a download has got, and whether the disk can hold it.

The tray app's setup dialog (:mod:`dictate_app.app.model_setup`) is a thin shell over this module
and over :mod:`dictate_app.store.model_store`, which does the real work (resumable download,
per-file size and sha256 verification). ``dictate-app model download|verify`` is the command-line
route to the same files. It sits beside the window, not in ``store/``: it is model setup, not
storage, and it reads both the engine's model forms and the model store. No Qt here.
"""

from __future__ import annotations

import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path

from dictate_app.engine.forms import ONNX_INT8, PYTORCH
from dictate_app.errors import ModelError
from dictate_app.store.model_store import (
    ONNX_INT8_SOURCES,
    SENSEVOICE_SMALL,
    SHERPA_SENSEVOICE_INT8,
    SOURCES,
    FileSpec,
    ProgressFn,
    download_model,
)

# A downloaded file is written beside its .part copy only by rename, so the model needs its own
# size free; keep a little more for the file system and whatever else writes meanwhile.
SPACE_MARGIN_BYTES = 16 * 1024 * 1024


class DownloadCancelled(Exception):
    """The user stopped the download; the ``.part`` files stay so the next download resumes.

    Deliberately not an ``OSError``: the store turns those into "could not download" errors.
    """


def model_problem(model_dir: str | Path) -> str | None:
    """``None`` when ``model_dir`` holds a model the app can load, else why not (one sentence).

    Either form counts, as in the loader: the int8 ONNX model (in the folder or its ``onnx/``) or
    the funasr directory. A folder with no model file (the first run, or what a failed download
    leaves: ``.part`` files, an empty ``onnx/``) is "no model yet" with the form to fetch, never a
    list of missing files (the same words as for a missing folder: the window offers the download
    beside them); a form this install cannot run is said as such. Only structure is
    checked (milliseconds, fine on the GUI thread at start-up); hashing 936 MB with
    ``check_files`` would take seconds at every start, and custom or fine-tuned models are valid
    without the published digests.
    """
    from dictate_app.engine.forms import ONNX_INT8, PYTORCH, can_run, forms_in, unrunnable_message
    from dictate_app.engine.modeldir import validate_model_dir
    from dictate_app.engine.onnxdir import EXPORT_HINT, find_onnx_model, validate_onnx_model

    path = Path(model_dir).expanduser()
    present = forms_in(path)
    if not present:  # the first run: the window offers the download, so no command-line advice
        return f"there is no speech model in {path} yet"
    runnable = [form for form in present if can_run(form)]
    if not runnable:
        return unrunnable_message(path)
    problems = []
    for form in runnable:  # ONNX first: with both, the loader runs it on the CPU
        try:
            if form == ONNX_INT8:
                found = find_onnx_model(path, "int8")
                if found is None:
                    raise ModelError(f"the int8 ONNX model in {path} is incomplete: it needs model.int8.onnx "
                                     f"and tokens.txt side by side; {EXPORT_HINT}")
                validate_onnx_model(found)
            elif form == PYTORCH:
                validate_model_dir(path)
            return None
        except ModelError as exc:
            problems.append(str(exc))
    return problems[0]  # the form this install would run first says more than the other


@dataclass(frozen=True)
class DownloadPlan:
    """What to fetch for one model directory: manifest, where it goes, from where."""

    format: str
    model_dir: Path  # what the app loads afterwards
    dest: Path  # where the files go: model_dir itself, or model_dir/onnx for the ONNX model
    manifest: tuple[FileSpec, ...]
    sources: dict[str, str] = field(repr=False)
    source: str
    base_url: str | None = None  # a mirror (and tests); overrides ``source``

    @property
    def total_bytes(self) -> int:
        return sum(spec.size for spec in self.manifest)

    def bytes_to_fetch(self) -> int:
        """Bytes still to download: complete files and the resumable part of ``.part`` files count."""
        left = 0
        for spec in self.manifest:
            final, part = self.dest / spec.name, self.dest / (spec.name + ".part")
            if final.is_file() and final.stat().st_size == spec.size:
                continue  # its checksum is checked again by download_model
            have = part.stat().st_size if part.is_file() else 0
            left += spec.size - have if have <= spec.size else spec.size
        return left

    def check_space(self) -> None:
        """Raise :class:`ModelError` when the disk under ``dest`` cannot hold what is left to fetch."""
        needed = self.bytes_to_fetch()
        if needed == 0:
            return
        probe = self.dest
        while not probe.exists() and probe != probe.parent:
            probe = probe.parent  # the nearest folder that exists is on the same disk
        free = shutil.disk_usage(probe).free
        if free < needed + SPACE_MARGIN_BYTES:
            raise ModelError(
                f"not enough disk space for the model in {self.dest}: it needs {needed / 1e6:,.1f} MB "
                f"more and only {free / 1e6:,.1f} MB is free; free some space and download again"
            )

    def run(self, progress: ProgressFn | None = None, cancel: threading.Event | None = None) -> Path:
        """Check the space, download and verify every file, validate the result; give ``model_dir``.

        ``cancel`` set (from any thread) stops at the next block with :class:`DownloadCancelled`,
        leaving the ``.part`` file for a resumed download.
        """
        from dictate_app.engine.modeldir import validate_model_dir
        from dictate_app.engine.onnxdir import find_onnx_model, validate_onnx_model

        def report(name: str, done: int, total: int) -> None:
            # Called after every block the store writes: the one place a download can stop cleanly.
            if cancel is not None and cancel.is_set():
                raise DownloadCancelled()
            if progress is not None:
                progress(name, done, total)

        self.check_space()
        download_model(self.dest, self.source, base_url=self.base_url, manifest=self.manifest,
                       progress=report, sources=self.sources)
        if self.format == ONNX_INT8:
            validate_onnx_model(find_onnx_model(self.dest, "int8"))
        else:
            validate_model_dir(self.dest)
        return self.model_dir


def download_plan(fmt: str, model_dir: str | Path, *, base_url: str | None = None,
                  manifest: tuple[FileSpec, ...] | None = None) -> DownloadPlan:
    """The plan for ``fmt`` (``onnx-int8`` or ``pytorch``) into ``model_dir``, as
    ``dictate-app model download --format FMT`` would fetch it. ``base_url`` and ``manifest``
    replace the published source and files (mirrors, tests)."""
    from dictate_app.engine.onnxdir import ONNX_SUBDIR

    model_dir = Path(model_dir).expanduser()
    if fmt == ONNX_INT8:  # beside any funasr files, where the loader looks for it
        return DownloadPlan(ONNX_INT8, model_dir, model_dir / ONNX_SUBDIR, manifest or SHERPA_SENSEVOICE_INT8,
                            ONNX_INT8_SOURCES, "huggingface", base_url)
    if fmt == PYTORCH:
        return DownloadPlan(PYTORCH, model_dir, model_dir, manifest or SENSEVOICE_SMALL, SOURCES, "modelscope",
                            base_url)
    raise ModelError(f"unknown model format {fmt!r}; use {ONNX_INT8} or {PYTORCH}")


class Progress:
    """Bytes done per file and overall, from the store's ``(name, done, total)`` callbacks."""

    def __init__(self, manifest: tuple[FileSpec, ...]):
        self.sizes = {spec.name: spec.size for spec in manifest}
        self.done = dict.fromkeys(self.sizes, 0)

    def update(self, name: str, done: int, total: int) -> None:
        self.sizes[name] = total
        self.done[name] = done

    @property
    def overall_done(self) -> int:
        return sum(self.done.values())

    @property
    def overall_total(self) -> int:
        return sum(self.sizes.values())
