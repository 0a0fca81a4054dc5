"""One take through an AI mode: :func:`apply_mode`, bounded by a timeout, never raising.

The model call runs in its own daemon thread and :func:`apply_mode` waits for it at most
``timeout_s``: a server that accepts the connection and then says nothing, a DNS lookup that
hangs, or a model that streams forever cannot hold the caller longer than that (plus a few ms).
After the deadline (or ``cancel``) the thread is told to stop, its late pieces are dropped (never
passed to ``on_delta`` after the return), and its socket gives up at the same deadline.

When the mode does not run ("as spoken", empty text, fewer than ``min_words`` words) the result
is the raw words with no error. When it fails (down, slow, HTTP error, garbage, empty answer, an
answer far longer than the input) the result is the raw words and ``error`` is one sentence.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from dictate_app.engine.join import is_cjk
from dictate_app.modes.catalog import AiMode
from dictate_app.modes.client import Endpoint, LlmError, LlmTimeout, TooLong, chat, list_models
from dictate_app.modes.prompt import CLOSE, OPEN, Heard, build_messages

_LATIN_WORD = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")
# Reasoning models (Qwen3, DeepSeek-R1 through Ollama) may start with a <think>...</think> block.
_THINK = re.compile(r"^\s*<think>.*?</think>\s*", re.S)


@dataclass(frozen=True)
class ModeResult:
    """``text``: what to insert (the processed text, or ``raw`` when the mode did not run or
    failed); ``ran``: the processed text is used; ``error``: why it fell back, one sentence."""

    text: str
    raw: str
    mode: str
    ran: bool
    error: str | None = None


def count_words(text: str) -> int:
    """Words in ``text``: Latin-script words, plus one word per two CJK characters (rounded up),
    since Chinese and Japanese words average 1.5 to 2 characters and are written without spaces."""
    cjk = sum(1 for char in text if is_cjk(char) and char.isalnum())
    rest = "".join(" " if is_cjk(char) else char for char in text)
    return len(_LATIN_WORD.findall(rest)) + (cjk + 1) // 2


def runs(text: str, mode: AiMode, min_words: int) -> bool:
    """Whether ``mode`` runs on ``text``: not "as spoken", not empty, at least ``min_words`` words
    (:func:`apply_mode` returns the words untouched otherwise; the app holds no insertion then)."""
    return not mode.off and bool(text.strip()) and count_words(text) >= min_words


def max_answer_chars(text: str) -> int:
    """The longest answer accepted for ``text``: 4 times its length plus 300 characters. A clean-up
    shortens the words; an email adds a greeting and a sign-off (about 100 characters); a
    translation from Chinese or Japanese into English is about 3 times as many characters. An
    answer past this is a model chatting or looping, not the user's text."""
    return 4 * len(text) + 300


def clean_answer(answer: str) -> str:
    """The model's answer as text to insert: a leading <think> block, our delimiters echoed back,
    and surrounding whitespace removed."""
    answer = _THINK.sub("", answer)
    return answer.replace(OPEN, "").replace(CLOSE, "").strip()


class ThinkFilter:
    """Streamed pieces as the user should see them: a leading ``<think>...</think>`` block (which
    reasoning models send first, often longer than the answer) is held back, everything else is
    passed to ``deliver`` at once; past ``limit`` visible characters it raises :class:`TooLong`,
    which ends the stream early."""

    def __init__(self, deliver: Callable[[str], None], limit: int | None = None):
        self.deliver = deliver
        self.limit = limit
        self.size = 0
        self.buffer = ""
        self.state = "start"  # start: undecided; think: inside the block; pass: everything goes out

    def _out(self, text: str) -> None:
        self.size += len(text)
        if self.limit is not None and self.size > self.limit:
            raise TooLong(self.size)
        self.deliver(text)

    def feed(self, piece: str) -> None:
        if self.state == "pass":
            self._out(piece)
            return
        self.buffer += piece
        if self.state == "start":
            head = self.buffer.lstrip()
            if head.startswith("<think>"):
                self.state = "think"
            elif "<think>".startswith(head):  # "", "<", "<th"...: could still open a block
                return
            else:
                self.state, text, self.buffer = "pass", self.buffer, ""
                self._out(text)
                return
        end = self.buffer.find("</think>")
        if end >= 0:
            rest, self.state, self.buffer = self.buffer[end + len("</think>"):].lstrip(), "pass", ""
            if rest:
                self._out(rest)


def apply_mode(text: str, mode: AiMode, heard: Heard, endpoint: Endpoint, *, timeout_s: float,
               min_words: int, vocabulary: Sequence[str] = (), on_delta: Callable[[str], None] | None = None,
               cancel: threading.Event | None = None) -> ModeResult:
    """``text`` through ``mode`` at ``endpoint`` (see the module docstring). ``on_delta`` gets the
    answer's pieces as they stream in (called from the worker thread, so keep it quick: emit a
    signal); with it the request streams.
    Takes at most ``timeout_s`` and never raises."""
    if not runs(text, mode, min_words):
        return ModeResult(text, text, mode.name, False, None)
    deadline = time.monotonic() + timeout_s
    stop = threading.Event()  # ours: set when we return, so the worker stops reading
    gate = threading.Lock()  # on_delta never runs after we have returned
    live = [True]
    outcome: dict = {}
    limit = max_answer_chars(text)

    def deliver(piece: str) -> None:
        with gate:
            if live[0] and on_delta is not None:
                on_delta(piece)

    def work() -> None:
        try:
            target = endpoint
            if not endpoint.model:
                target = _with_first_model(endpoint, deadline, stop)
            messages = build_messages(mode, text, heard, vocabulary)
            visible = ThinkFilter(deliver, limit).feed if on_delta is not None else None
            outcome["answer"] = chat(target, messages, deadline=deadline, stream=on_delta is not None,
                                     on_delta=visible, cancel=stop)
        except TooLong:
            outcome["error"] = _too_long(endpoint)
        except LlmTimeout:  # the socket gave up at the same deadline: the same sentence
            outcome["error"] = timed_out(endpoint, timeout_s)
        except LlmError as exc:
            outcome["error"] = str(exc)
        except Exception as exc:  # noqa: BLE001 - the contract is "never raises": report, fall back
            outcome["error"] = (f"The AI mode failed unexpectedly ({type(exc).__name__}: {exc}); "
                                "the words went in as spoken.")

    worker = threading.Thread(target=work, name="ai-mode", daemon=True)
    worker.start()
    while worker.is_alive() and not (cancel is not None and cancel.is_set()):
        left = deadline - time.monotonic()
        if left <= 0:
            break
        worker.join(min(left, 0.05))  # short slices: a cancel is seen within 50 ms
    with gate:
        live[0] = False
    stop.set()
    if worker.is_alive():
        if cancel is not None and cancel.is_set():
            return ModeResult(text, text, mode.name, False, "The AI mode was cancelled; the words went in as spoken.")
        return ModeResult(text, text, mode.name, False, timed_out(endpoint, timeout_s))
    if "error" in outcome:
        return ModeResult(text, text, mode.name, False, outcome["error"])
    answer = clean_answer(outcome.get("answer", ""))
    if cancel is not None and cancel.is_set():
        return ModeResult(text, text, mode.name, False, "The AI mode was cancelled; the words went in as spoken.")
    if not answer:
        return ModeResult(text, text, mode.name, False, f"The language model at {endpoint.host} gave an empty "
                                                        "answer; the words went in as spoken.")
    if len(answer) > limit:
        return ModeResult(text, text, mode.name, False, _too_long(endpoint))
    return ModeResult(answer, text, mode.name, True, None)


def timed_out(endpoint: Endpoint, timeout_s: float) -> str:
    """The sentence for an answer that did not come within ``timeout_s`` (also the app's guard's)."""
    return (f"The language model at {endpoint.host} did not answer within {timeout_s:g} s; the words went in "
            "as spoken (raise llm_timeout_s or use a smaller model).")


def _too_long(endpoint: Endpoint) -> str:
    return (f"The language model at {endpoint.host} answered far more than was dictated; the words went in "
            "as spoken (try another model or a clearer prompt).")


def _with_first_model(endpoint: Endpoint, deadline: float, cancel: threading.Event) -> Endpoint:
    """``endpoint`` with the first model it lists (llm_model ""); LlmError if it lists none."""
    models = list_models(endpoint, deadline=deadline, cancel=cancel)
    if not models:
        raise LlmError(f"The endpoint {endpoint.url} offers no model; pull one (`ollama pull llama3.2`) "
                       "or set llm_model.")
    return Endpoint(endpoint.url, models[0], endpoint.api_key)
