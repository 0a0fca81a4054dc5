"""AI modes: the dictated words rewritten by a local language model (pure core, no Qt).

:mod:`.catalog` (the named prompts: built-in and the user's modes.txt), :mod:`.prompt` (the
messages sent, the transcript always delimited as data), :mod:`.client` (a small
OpenAI-compatible client on the standard library) and :mod:`.run` (:func:`~.run.apply_mode`:
one take through a mode, bounded by a timeout, never raising, falling back to the raw words).
"""
