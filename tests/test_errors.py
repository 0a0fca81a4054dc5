"""Errors that speak to the user (dictate_app/errors.py): one family, one exit code per kind, so the
CLI can print the sentence without a traceback and scripts can tell the failures apart."""

from __future__ import annotations

import pytest

from dictate_app.errors import BadAudioError, DictateError, MicrophoneError, ModelError


def test_every_kind_is_a_dictate_error_with_its_own_exit_code():
    kinds = (DictateError, BadAudioError, ModelError, MicrophoneError)
    assert all(issubclass(kind, DictateError) for kind in kinds)
    assert [kind.exit_code for kind in kinds] == [1, 2, 3, 4]


def test_the_message_is_the_sentence_it_was_given():
    with pytest.raises(DictateError) as caught:
        raise MicrophoneError("no microphone was found; connect one and try again")
    assert str(caught.value) == "no microphone was found; connect one and try again"
    assert caught.value.exit_code == 4
