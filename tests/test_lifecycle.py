"""The lifecycle decisions, alone: every race the app can meet, as plain (state, event) steps."""

from __future__ import annotations

from dictate_app.lifecycle import (
    MIN_PRESS_MS,
    AiModeDone,
    AudioReady,
    AutoStop,
    Cancel,
    DropRecording,
    Insert,
    Inserted,
    InsertLive,
    LivePiece,
    Mode,
    ModelFailed,
    ModelLoaded,
    Notify,
    Phase,
    Press,
    RecordingFailed,
    Release,
    SetMode,
    ShowNoSpeech,
    StartHandsFree,
    StartRecording,
    State,
    StopRecording,
    Toggle,
    Transcribe,
    TranscribeFailed,
    Transcribed,
    step,
)


def run(state: State, *events):
    """Apply events in order; return the final state and every action, flattened."""
    out = []
    for event in events:
        state, actions = step(state, event)
        out.extend(actions)
    return state, out


def ready() -> State:
    return step(State(), ModelLoaded())[0]


def test_starts_loading_then_ready():
    assert State().phase is Phase.LOADING
    state, actions = step(State(), ModelLoaded())
    assert state.phase is Phase.IDLE and actions == []


def test_press_release_transcribe_insert():
    state, actions = run(ready(), Press(0, target="w1"))
    assert actions == [StartRecording(1, "w1", incremental=True)] and state.phase is Phase.RECORDING
    state, actions = run(state, Release(1000))
    assert actions == [StopRecording(1)] and state.phase is Phase.TRANSCRIBING
    state, actions = run(state, AudioReady(1))
    assert actions == [Transcribe(1)]
    state, actions = run(state, Transcribed(1, has_text=True))
    assert actions == [Insert(1)] and state.phase is Phase.INSERTING
    state, actions = run(state, Inserted(1))
    assert actions == [] and state.phase is Phase.IDLE


def test_too_short_press_is_dropped():
    state, actions = run(ready(), Press(0), Release(MIN_PRESS_MS - 1))
    assert actions == [StartRecording(1, None, True), DropRecording(1, "too short")]
    assert state.phase is Phase.IDLE
    # Exactly the threshold counts as speech.
    _, actions = run(ready(), Press(0), Release(MIN_PRESS_MS))
    assert actions[-1] == StopRecording(1)


def test_escape_cancels_recording_only():
    state, actions = run(ready(), Press(0), Cancel())
    assert actions[-1] == DropRecording(1, "cancelled") and state.phase is Phase.IDLE
    # The release after Esc does nothing; Esc while idle does nothing.
    state, actions = run(state, Release(2000), Cancel())
    assert actions == [] and state.phase is Phase.IDLE


def test_key_repeat_does_not_restart():
    state, actions = run(ready(), Press(0), Press(30), Press(60))
    assert actions == [StartRecording(1, None, True)]
    assert state.recording.started_ms == 0


def test_press_while_transcribing_records_and_inserts_in_order():
    state, _ = run(ready(), Press(0), Release(1000), AudioReady(1))
    assert state.transcribing == 1
    state, actions = run(state, Press(1100, "w"))
    assert actions == [StartRecording(2, "w", True)] and state.phase is Phase.RECORDING
    state, actions = run(state, Release(2500), AudioReady(2))
    assert actions == [StopRecording(2)]  # the worker is busy with 1: 2 waits its turn
    state, actions = run(state, Transcribed(1, True))
    assert actions == [Transcribe(2), Insert(1)]
    state, actions = run(state, Transcribed(2, True))
    assert actions == []  # 1 is still being inserted
    state, actions = run(state, Inserted(1))
    assert actions == [Insert(2)]
    state, _ = run(state, Inserted(2))
    assert state.phase is Phase.IDLE


def test_audio_arriving_out_of_order_keeps_order():
    state, _ = run(ready(), Press(0), Release(1000), Press(1100), Release(2000))
    state, actions = run(state, AudioReady(2))
    assert actions == []  # 1 is older and not there yet
    state, actions = run(state, AudioReady(1))
    assert actions == [Transcribe(1)] and state.queued == (2,)


def test_model_not_loaded_records_anyway_and_transcribes_when_ready():
    state, actions = run(State(), Press(0), Release(800), AudioReady(1))
    # Nothing could transcribe segments yet: this one is transcribed whole once the model is there.
    assert actions == [StartRecording(1, None, incremental=False), StopRecording(1)]
    assert state.phase is Phase.LOADING and state.queued == (1,)
    state, actions = run(state, ModelLoaded())
    assert actions == [Transcribe(1)] and state.phase is Phase.TRANSCRIBING


def test_model_failure_notifies_drops_waiting_and_refuses_to_record():
    state, _ = run(State(), Press(0), Release(800), AudioReady(1))
    state, actions = run(state, ModelFailed("The model folder is missing: run dictate-app model."))
    assert actions == [Notify("The model folder is missing: run dictate-app model.")]
    assert state.phase is Phase.ERROR and state.queued == ()
    state, actions = run(state, Press(1000))
    assert actions == [Notify("The model folder is missing: run dictate-app model.")]
    assert state.recording is None



def test_no_model_yet_is_a_calm_notice_then_presses_say_it_as_errors():
    state, actions = run(State(), ModelFailed("No model yet: set it up.", error=False))
    assert actions == [Notify("No model yet: set it up.", False)]  # the app shows no error popup for it
    state, actions = run(state, Press(0))
    assert actions == [Notify("No model yet: set it up.")] and state.recording is None


def test_no_speech_shows_notice_and_inserts_nothing():
    state, actions = run(ready(), Press(0), Release(900), AudioReady(1), Transcribed(1, False))
    assert actions[-1] == ShowNoSpeech(1) and not any(isinstance(a, Insert) for a in actions)
    assert state.phase is Phase.IDLE


def test_unusable_audio_is_reported_and_skipped():
    state, _ = run(ready(), Press(0), Release(900), Press(1000), Release(2000))
    state, actions = run(state, AudioReady(1, ok=False, message="The microphone went away."),
                         AudioReady(2))
    assert actions == [Notify("The microphone went away."), Transcribe(2)]


def test_transcription_failure_notifies_and_moves_on():
    state, _ = run(ready(), Press(0), Release(900), Press(1000), Release(2000), AudioReady(1),
                   AudioReady(2))
    state, actions = run(state, TranscribeFailed(1, "The audio could not be read."))
    assert actions == [Notify("The audio could not be read."), Transcribe(2)]


def test_toggle_mode_press_starts_and_next_press_stops():
    state, _ = run(ready(), SetMode(Mode.TOGGLE))
    state, actions = run(state, Press(0), Release(50))
    assert actions == [StartRecording(1, None, True)] and state.phase is Phase.RECORDING
    state, actions = run(state, Press(100), Release(150))
    # A short toggle recording is kept: the user chose when to stop.
    assert actions == [StopRecording(1)]


def test_toggle_event_works_in_hold_mode():
    state, actions = run(ready(), Toggle(0, "w"), Toggle(3000))
    assert actions == [StartRecording(1, "w", True), StopRecording(1)]


def test_stale_events_are_ignored():
    state = ready()
    for event in (Release(10), AudioReady(9), Transcribed(9, True), TranscribeFailed(9, "x"),
                  Inserted(9)):
        new, actions = step(state, event)
        assert new == state and actions == []


def test_microphone_failure_at_start_notifies_and_returns_to_idle():
    state, actions = run(ready(), Press(0), RecordingFailed("No microphone was found."))
    assert actions == [StartRecording(1, None, True), Notify("No microphone was found.")]
    assert state.phase is Phase.IDLE
    state, actions = run(state, Release(900))
    assert actions == []


def test_auto_stop_ends_the_take_as_a_second_press_would_and_the_words_go_in():
    state, _ = run(ready(), SetMode(Mode.TOGGLE))
    state, actions = run(state, Press(0, "w"), Release(50), AutoStop(1, 100))
    # Kept however short (the user did not tap a key), then transcribed and inserted as usual.
    assert actions == [StartRecording(1, "w", True), StopRecording(1)]
    state, actions = run(state, AudioReady(1), Transcribed(1, True))
    assert actions == [Transcribe(1), Insert(1)]


def test_auto_stop_with_no_speech_drops_the_take():
    state, actions = run(ready(), StartHandsFree(0), AutoStop(1, 8000, no_speech=True))
    assert actions == [StartRecording(1, None, True, hands_free=True), DropRecording(1, "no speech")]
    assert state.phase is Phase.IDLE


def test_a_late_auto_stop_of_an_older_take_is_ignored():
    state, _ = run(ready(), Toggle(0), Toggle(500))  # take 1 ended by hand
    state, _ = run(state, Toggle(600))  # take 2 is recording
    new, actions = step(state, AutoStop(1, 700))
    assert new == state and actions == []
    new, actions = step(ready(), AutoStop(1, 700))  # and nothing is recording
    assert actions == []


def test_start_hands_free_starts_once_in_any_mode_and_is_marked():
    state, actions = run(ready(), StartHandsFree(0, "w"), StartHandsFree(10))
    assert actions == [StartRecording(1, "w", True, hands_free=True)]
    assert state.recording.hands_free and state.phase is Phase.RECORDING
    state, actions = run(state, Release(3000))  # hold mode: the key still stops it
    assert actions == [StopRecording(1)]
def test_live_pieces_are_inserted_one_at_a_time_and_the_release_inserts_after_the_last():
    state, _ = run(ready(), Press(0, "w"))
    state, actions = run(state, LivePiece(1))
    assert actions == [InsertLive(1)] and state.inserting == 1 and state.phase is Phase.RECORDING
    state, actions = run(state, LivePiece(1), LivePiece(1))  # more text while the first is typed
    assert actions == [] and state.recording.live_waiting
    state, actions = run(state, Inserted(1))
    assert actions == [InsertLive(1)], "everything said meanwhile goes as one piece"
    state, actions = run(state, Release(3000), AudioReady(1), Transcribed(1, True))
    assert actions == [StopRecording(1), Transcribe(1)], "the rest waits for the piece in flight"
    state, actions = run(state, Inserted(1))
    assert actions == [Insert(1)]
    state, actions = run(state, Inserted(1))
    assert actions == [] and state.phase is Phase.IDLE


def test_live_pieces_wait_for_the_previous_utterance_to_be_inserted():
    state, _ = run(ready(), Press(0), Release(1000), AudioReady(1))
    state, _ = run(state, Press(1100, "w"))
    state, actions = run(state, LivePiece(2))
    assert actions == [], "utterance 1 is still being transcribed: its words come first"
    state, actions = run(state, Transcribed(1, True))
    assert actions == [Insert(1)]
    state, actions = run(state, Inserted(1))
    assert actions == [InsertLive(2)]


def test_a_live_piece_of_a_take_that_ended_or_another_take_is_ignored():
    state, _ = run(ready(), Press(0), Cancel())
    state, actions = run(state, LivePiece(1))
    assert actions == [] and state.inserting is None
    state, _ = run(state, Press(2000))
    state, actions = run(state, LivePiece(1))
    assert actions == [] and not state.recording.live_waiting


def test_a_take_whose_ai_mode_runs_is_inserted_after_the_mode_is_done():
    state, _ = run(ready(), Press(0), Release(1000), AudioReady(1))
    state, actions = run(state, Transcribed(1, True, ai_mode=True))
    assert actions == [] and state.ai_waiting == {1} and state.phase is Phase.TRANSCRIBING
    state, actions = run(state, AiModeDone(1))
    assert actions == [Insert(1)] and state.ai_waiting == frozenset()


def test_the_next_take_is_transcribed_while_the_mode_works_and_inserted_after_it():
    state, _ = run(ready(), Press(0), Release(1000), Press(1100), Release(2100), AudioReady(1), AudioReady(2))
    state, actions = run(state, Transcribed(1, True, ai_mode=True))
    assert actions == [Transcribe(2)], "the transcription slot is free while the model works"
    state, actions = run(state, Transcribed(2, True))
    assert actions == [], "take 2 waits for take 1's text: insertion keeps the order"
    state, actions = run(state, AiModeDone(1))
    assert actions == [Insert(1)]
    state, actions = run(state, Inserted(1))
    assert actions == [Insert(2)]


def test_a_live_piece_waits_for_an_older_take_whose_mode_works():
    state, _ = run(ready(), Press(0), Release(1000), AudioReady(1), Transcribed(1, True, ai_mode=True))
    state, _ = run(state, Press(1100, "w"))
    state, actions = run(state, LivePiece(2))
    assert actions == [], "take 1's processed text goes in first"
    state, actions = run(state, AiModeDone(1))
    assert actions == [Insert(1)]
    state, actions = run(state, Inserted(1))
    assert actions == [InsertLive(2)]


def test_a_late_ai_mode_done_changes_nothing():
    state, _ = run(ready(), Press(0), Release(1000), AudioReady(1), Transcribed(1, True))
    state, actions = run(state, AiModeDone(1))
    assert actions == [] and state.inserting == 1
