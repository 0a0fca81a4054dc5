"""``dictate-app modes path|list|models|try``: the AI modes file, the modes, the endpoint's models,
and one text through a mode (try a prompt before dictating with it).

Also the pieces ``transcribe --mode`` shares: the ``--llm-url``/``--llm-model`` options
(:func:`add_llm_options`, also on the tray app's parser) and :class:`ModeRunner`, which applies
rules.txt (replacements and vocabulary) and then the mode, as the tray app does.
"""

from __future__ import annotations

import argparse
import json
import sys

from dictate_app.errors import DictateError


def _url(value: str) -> str:
    from dictate_app.store.settings import coerce

    try:
        return coerce("llm_url", value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not an http:// or https:// address "
                                         "(e.g. http://127.0.0.1:11434/v1)") from None


def add_llm_options(parser, top_level: bool = False) -> None:
    """``--llm-url URL`` and ``--llm-model NAME`` (this run's endpoint; default: the settings).
    On a subcommand the default is SUPPRESS, so a top-level value is not erased (see options.py)."""
    unset = None if top_level else argparse.SUPPRESS
    parser.add_argument("--llm-url", type=_url, default=unset, metavar="URL",
                        help="the OpenAI-compatible endpoint for AI modes (default: the llm_url setting, "
                             "http://127.0.0.1:11434/v1 = Ollama on this computer)")
    parser.add_argument("--llm-model", default=unset, metavar="NAME",
                        help="the model at that endpoint (default: the llm_model setting; empty: the first "
                             "model the endpoint lists)")


def add_mode_option(parser) -> None:
    parser.add_argument("--mode", dest="ai_mode", metavar="NAME", default=None,
                        help="the AI mode to rewrite the words with (`dictate-app modes list`); "
                             "default: as spoken")
    add_llm_options(parser)


def register(subparsers) -> None:
    parser = subparsers.add_parser("modes", help="AI modes: list them, find their file, try one on a text")
    actions = parser.add_subparsers(dest="modes_action", metavar="ACTION", required=True,
                                    help="what to do")
    actions.add_parser("path", help="print the AI modes file's path (created with a commented template if missing)")
    actions.add_parser("list", help="list the AI modes (built-in and yours) and report problems in the file")
    models = actions.add_parser("models", help="list the models the endpoint offers (GET /v1/models)")
    add_llm_options(models)
    attempt = actions.add_parser("try", help="print TEXT rewritten by an AI mode (after rules.txt); exit code 3 "
                                             "when the model failed and TEXT is printed as it was")
    attempt.add_argument("--mode", dest="ai_mode", metavar="NAME", required=True,
                         help="the AI mode (`dictate-app modes list`)")
    add_llm_options(attempt)
    attempt.add_argument("--json", action="store_true",
                         help="one JSON object: text (rewritten), spoken (before the mode), mode, ran, error")
    attempt.add_argument("text", nargs="+", metavar="TEXT", help="the text, as if it had been dictated")
    parser.set_defaults(run=run)


class ModeRunner:
    """One command's AI mode: the mode by name, the endpoint and limits from the options and the
    settings, rules.txt applied before the mode. Unknown mode names are an error up front."""

    def __init__(self, args, name: str):
        from dictate_app.commands.options import saved_setting
        from dictate_app.modes.catalog import find_mode, load_modes
        from dictate_app.modes.client import endpoint_for
        from dictate_app.text.rules import load_rules

        modes, problems = load_modes()
        for problem in problems:
            print(f"warning: {problem}", file=sys.stderr)
        self.mode, unknown = find_mode(name, modes)
        if unknown:
            raise DictateError(f"there is no AI mode {name!r}; choose one that `dictate-app modes list` shows "
                               "or add it to the file `dictate-app modes path` prints")
        self.rules = load_rules()
        for problem in self.rules.problems:
            print(f"warning: {problem}", file=sys.stderr)
        url = getattr(args, "llm_url", None) or saved_setting("llm_url")
        model = getattr(args, "llm_model", None)
        self.endpoint = endpoint_for(url, saved_setting("llm_model") if model is None else model)
        self.timeout_s = saved_setting("llm_timeout_s")
        self.min_words = saved_setting("ai_mode_min_words")

    def __call__(self, text: str, transcript=None):
        """``text`` after the rules and the mode (a :class:`~dictate_app.modes.run.ModeResult`);
        ``transcript`` (a Transcript) fills the language, emotion and events placeholders."""
        from dictate_app.modes.prompt import Heard
        from dictate_app.modes.run import apply_mode

        heard = Heard(language=getattr(transcript, "language", None) or "",
                      emotion=getattr(transcript, "emotion", None) or "",
                      events=tuple(getattr(transcript, "events", ()) or ()), app="the command line")
        return apply_mode(self.rules.apply(text), self.mode, heard, self.endpoint, timeout_s=self.timeout_s,
                          min_words=self.min_words, vocabulary=self.rules.vocabulary.terms)

    def skipped_note(self, result) -> str | None:
        """Why the mode did not run although it is on (too few words), or None."""
        if result.ran or result.error or self.mode.off or not result.raw.strip():
            return None
        return (f"note: fewer than {self.min_words} words, so the AI mode did not run "
                "(the ai_mode_min_words setting)")


def run(args) -> int:
    from dictate_app.modes.catalog import ensure_modes_file, load_modes

    if args.modes_action == "path":
        print(ensure_modes_file())
        return 0
    if args.modes_action == "list":
        modes, problems = load_modes()
        for problem in problems:
            print(f"warning: {problem}", file=sys.stderr)
        for mode in modes.values():
            kind = "off" if mode.off else "built-in" if mode.builtin else "yours"
            print(f"{mode.name}\t{kind}")
        print("translate to <language>\tbuilt-in (any language name)")
        return 1 if problems else 0
    if args.modes_action == "models":
        return _models(args)
    runner = ModeRunner(args, args.ai_mode)
    result = runner(" ".join(args.text))
    if args.json:
        print(json.dumps({"text": result.text, "spoken": result.raw, "mode": result.mode, "ran": result.ran,
                          "error": result.error}, ensure_ascii=False))
    else:
        print(result.text)
    note = runner.skipped_note(result)
    if result.error or note:
        print(f"warning: {result.error}" if result.error else note, file=sys.stderr)
    return 3 if result.error else 0


def _models(args) -> int:
    from dictate_app.commands.options import saved_setting
    from dictate_app.modes.client import LlmError, endpoint_for, list_models

    endpoint = endpoint_for(getattr(args, "llm_url", None) or saved_setting("llm_url"))
    try:
        models = list_models(endpoint, timeout_s=saved_setting("llm_timeout_s"))
    except LlmError as exc:
        raise DictateError(str(exc).rstrip(".")) from None
    for model in models:
        print(model)
    if not models:
        print(f"The endpoint {endpoint.url} offers no model; pull one (`ollama pull llama3.2`).", file=sys.stderr)
    return 0 if models else 1
