"""`dictate-app transcribe` as a subprocess, the way users and scripts run it."""

import json

import numpy as np
import pytest
import soundfile

pytestmark = pytest.mark.slow


def tone_file(path, rate=16000, seconds=1.0, channels=1, **kwargs):
    t = np.arange(int(rate * seconds)) / rate
    data = (0.3 * np.sin(2 * np.pi * 300 * t)).astype(np.float32)
    if channels > 1:
        data = np.stack([data] * channels, axis=1)
    soundfile.write(str(path), data, rate, **kwargs)
    return path


def test_json_lines_for_every_format_rate_and_channel_count(cli, tiny_model_dir, tmp_path):
    files = [
        tone_file(tmp_path / "a.wav", 22050),
        tone_file(tmp_path / "b.flac", 48000, channels=2),
        tone_file(tmp_path / "c.ogg", 44100, format="OGG", subtype="VORBIS"),
        tone_file(tmp_path / "d.mp3", 44100, seconds=2.0, format="MP3"),
        tone_file(tmp_path / "e.wav", 8000, subtype="PCM_16"),
    ]
    proc = cli("transcribe", "--model", tiny_model_dir, "--json", *files)
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]  # nothing but JSON on stdout
    assert [line["file"] for line in lines] == [str(f) for f in files]
    for line in lines:
        assert set(line) >= {"file", "text", "language", "emotion", "events", "duration_s", "elapsed_ms"}
        assert "<|" not in line["text"]
        assert line["elapsed_ms"] > 0
    assert [round(line["duration_s"], 1) for line in lines] == [1.0, 1.0, 1.0, 2.0, 1.0]


def test_bad_files_are_reported_and_the_good_ones_still_transcribed(cli, tiny_model_dir, tmp_path):
    good = tone_file(tmp_path / "good.wav")
    text = tmp_path / "notes.wav"
    text.write_text("this is not audio")
    empty = tmp_path / "empty.wav"
    soundfile.write(str(empty), np.zeros(0, np.float32), 16000)
    short = tone_file(tmp_path / "short.wav", seconds=0.01)
    proc = cli("transcribe", "--model", tiny_model_dir, "--json",
               tmp_path / "missing.wav", text, empty, short, tmp_path, good)
    assert proc.returncode == 2
    assert [json.loads(line)["file"] for line in proc.stdout.splitlines()] == [str(good)]
    errors = proc.stderr.strip().splitlines()
    assert errors == [
        f"error: {tmp_path / 'missing.wav'}: no such file",
        f"error: {text}: not a readable audio file (Format not recognised); Dictate reads wav, flac, ogg "
        "(Vorbis or Opus), mp3 or aiff",
        f"error: {empty}: the file holds no audio samples",
        f"error: {short}: the audio is 10 ms long; at least 50 ms is needed",
        f"error: {tmp_path}: is a directory, not an audio file",
    ]
    assert "Traceback" not in proc.stderr


def test_bombs_are_refused_from_their_header_and_the_good_files_still_transcribed(cli, tiny_model_dir, tmp_path):
    from testkit.audio.bombs import FLAC_MAX_RATE, ogg_bomb, silent_file

    flac = tmp_path / "bomb.flac"
    flac.write_bytes(silent_file(8, FLAC_MAX_RATE, 30))  # 171 KB; 629 MB as float32
    ogg = tmp_path / "bomb.ogg"
    ogg.write_bytes(ogg_bomb(255, 48_000, 2))
    five_hours = tmp_path / "long.flac"
    five_hours.write_bytes(silent_file(1, 4000, 5 * 3600))  # 3 MB; 1.2 GB at 16 kHz
    good = tone_file(tmp_path / "good.wav")
    proc = cli("transcribe", "--model", tiny_model_dir, "--json", flac, ogg, five_hours, good)
    assert proc.returncode == 2, proc.stderr
    assert [json.loads(line)["file"] for line in proc.stdout.splitlines()] == [str(good)]
    assert proc.stderr.strip().splitlines() == [
        f"error: {flac}: the sample rate is 655350 Hz; 4000 to 384000 Hz is accepted, so resample it first "
        "(e.g. `ffmpeg -i IN -ar 16000 OUT.wav`)",
        f"error: {ogg}: the audio has 255 channels; at most 32 are accepted, so mix it down first "
        "(e.g. `ffmpeg -i IN -ac 1 OUT.wav`)",
        f"error: {five_hours}: the audio is 18000.0 s long; at most 14400 s is accepted, so split it into "
        "shorter files",
    ]


def test_an_unknown_length_flac_longer_than_one_pass_is_split_at_pauses(cli, fixture_model_dir, tmp_path):
    """A streaming encoder's FLAC (total_samples = 0) of 45 s: read to its end, split by the VAD
    (over 30 s), every phrase transcribed. On the old whole-file path it was a ValueError."""
    import io

    from testkit.audio.bombs import encode, with_unknown_length
    from testkit.server.harness import PHRASES, speak

    chosen = [PHRASES[i] for i in (0, 2, 5)]
    gap = np.zeros(int(14 * 22050), np.float32)
    parts = []
    for text, language, _, variant in chosen:
        speech, rate = soundfile.read(io.BytesIO(speak(text, language, variant)), dtype="float32")
        parts += [gap, speech]
    mono = np.concatenate(parts)
    path = tmp_path / "stream.flac"
    path.write_bytes(with_unknown_length(encode(np.stack([mono, mono], axis=1), 22050, "FLAC")))
    proc = cli("transcribe", "--model", fixture_model_dir, "--json", path, timeout=300)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["duration_s"] == pytest.approx(mono.size / 22050, abs=0.01) and result["duration_s"] > 45
    words = " ".join(result["text"].lower().replace(",", " ").replace(".", " ").split())
    assert words == " ".join(expected for _, _, expected, _ in chosen)


def test_missing_model_exits_3_with_the_fix_and_no_traceback(cli, tmp_path):
    wav = tone_file(tmp_path / "a.wav")
    proc = cli("transcribe", "--model", tmp_path / "no-model", wav)
    assert proc.returncode == 3
    assert proc.stderr.strip() == (
        f"error: there is no speech model in {tmp_path / 'no-model'} yet; run `dictate-app model download` "
        "to fetch the int8 ONNX model (model.int8.onnx and tokens.txt, 240 MB), or choose a folder that "
        "holds one (--model DIR, or the model_dir setting)"
    )
    assert proc.stdout == ""


def test_default_model_location_comes_from_the_environment(cli, tmp_path):
    wav = tone_file(tmp_path / "a.wav")
    proc = cli("transcribe", wav, env={"DICTATE_MODEL_DIR": str(tmp_path / "env-model")})
    assert proc.returncode == 3
    assert str(tmp_path / "env-model") in proc.stderr


def test_a_language_outside_sensevoice_is_refused_by_the_parser(cli, tmp_path):
    proc = cli("transcribe", "--language", "de", tmp_path / "a.wav")
    assert proc.returncode == 2
    assert "invalid choice: 'de'" in proc.stderr


def test_a_servers_token_from_a_file(cli, tmp_path):
    from dictate_app.server.app import create_app
    from dictate_app.server.settings import ServerSettings
    from tests.server.conftest import FakeEngine, ThreadServer

    server = ThreadServer(create_app(FakeEngine(), ServerSettings(token="team-secret")))
    try:
        wav = tone_file(tmp_path / "a.wav", seconds=0.75)
        (tmp_path / "token").write_text("team-secret\n")
        env = {"DICTATE_SERVER_TOKEN": ""}
        ok = cli("transcribe", "--server", server.url, "--server-token-file", tmp_path / "token", wav, env=env)
        assert (ok.returncode, ok.stdout.strip()) == (0, "clip 750"), ok.stderr
        (tmp_path / "wrong").write_text("guess\n")
        refused = cli("transcribe", "--server", server.url, "--server-token-file", tmp_path / "wrong", wav, env=env)
        assert refused.returncode != 0 and "refused the token" in refused.stderr
    finally:
        server.stop()


def test_transcribe_with_an_ai_mode_rewrites_the_words_and_keeps_both(cli, fixture_model_dir, fake_llm,
                                                                      tmp_path, monkeypatch):
    """Real speech through the trained fixture model, the rules, then the "clean up" mode at the fake
    OpenAI-compatible server: ``text`` is the server's transform of the words the model heard,
    ``spoken`` those words, ``raw`` still the tagged output; the request carried them delimited."""
    from testkit.server.harness import speak

    monkeypatch.setenv("DICTATE_CONFIG_DIR", str(tmp_path / "config"))
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "rules.txt").write_text("door => gate\n", encoding="utf-8")  # rules first
    wav = tmp_path / "door.wav"
    wav.write_bytes(speak("please open the door", "en", "m8"))
    silence = tmp_path / "silence.wav"
    soundfile.write(str(silence), np.zeros(32000, np.float32), 16000)
    proc = cli("transcribe", "--model", fixture_model_dir, "--mode", "clean up", "--llm-url", fake_llm.url,
               "--llm-model", "fake-model", "--json", wav, silence, timeout=300)
    assert proc.returncode == 0, proc.stderr
    result, quiet = map(json.loads, proc.stdout.splitlines())
    # "No speech heard": the mode does not run (the one request below is the spoken file's)
    assert (quiet["language"], quiet["text"], quiet["mode_ran"], quiet["mode_error"]) == ("nospeech", "", False, None)
    spoken = result["spoken"]
    assert " ".join(spoken.lower().replace(".", " ").split()) == "please open the gate"
    assert (result["text"], result["mode"], result["mode_ran"], result["mode_error"]) == (
        spoken.upper(), "clean up", True, None)
    assert result["raw"].startswith("<|en|>")
    (body,) = fake_llm.chat_requests()
    assert body["messages"][1]["content"].endswith(f"<transcript>\n{spoken}\n</transcript>")
    assert "The speaker's language was English" in body["messages"][1]["content"]
    # the server down: the words as heard, and why
    fake_llm.set("down")
    proc = cli("transcribe", "--model", fixture_model_dir, "--mode", "clean up", "--llm-url", fake_llm.url,
               wav, timeout=300)
    assert proc.returncode == 0 and proc.stdout == f"{spoken}\n"
    assert f"warning: {wav}: Nothing answers at {fake_llm.url} " in proc.stderr
