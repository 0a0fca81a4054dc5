"""Tag parsing on SenseVoice output strings: the formats funasr really produces."""

from dictate_app.engine.tags import parse_tagged


def test_four_leading_tags_become_fields_and_never_reach_the_text():
    result = parse_tagged("<|en|><|HAPPY|><|Speech|><|withitn|>Hello world.")
    assert result.text == "Hello world."
    assert (result.language, result.emotion, result.events, result.itn) == ("en", "HAPPY", ("Speech",), True)
    assert result.raw == "<|en|><|HAPPY|><|Speech|><|withitn|>Hello world."
    assert result.is_speech


def test_woitn_and_mandarin():
    result = parse_tagged("<|zh|><|NEUTRAL|><|Speech|><|woitn|>三 七 一")
    assert (result.text, result.language, result.itn) == ("三 七 一", "zh", False)


def test_a_query_frame_that_decoded_to_blank_loses_only_its_tag():
    result = parse_tagged("<|en|><|Speech|><|withitn|>no emotion here")
    assert (result.language, result.emotion, result.events) == ("en", None, ("Speech",))
    assert result.text == "no emotion here"


def test_tags_mid_string_from_several_segments_are_removed_and_pieces_joined():
    raw = ("<|en|><|NEUTRAL|><|Speech|><|withitn|>Hello there."
           "<|en|><|SAD|><|BGM|><|withitn|>How are you?"
           "<|en|><|SAD|><|Speech|><|withitn|>Fine.")
    result = parse_tagged(raw)
    assert result.text == "Hello there. How are you? Fine."
    assert result.events == ("Speech", "BGM")
    assert result.emotion == "SAD"  # the most frequent concrete emotion


def test_cjk_segments_join_without_a_space():
    raw = "<|zh|><|NEUTRAL|><|Speech|><|withitn|>你好。<|zh|><|NEUTRAL|><|Speech|><|withitn|>世界。"
    assert parse_tagged(raw).text == "你好。世界。"


def test_silent_segment_next_to_speech_keeps_the_spoken_language():
    raw = "<|nospeech|><|Event_UNK|><|en|><|NEUTRAL|><|Speech|><|withitn|>seven"
    result = parse_tagged(raw)
    assert (result.text, result.language) == ("seven", "en")


def test_unknown_tags_are_dropped_from_the_text_but_kept_raw():
    result = parse_tagged("<|en|><|NEUTRAL|><|Speech|><|withitn|>a<|GBG_NEW|>b")
    assert "<|" not in result.text
    assert "<|GBG_NEW|>" in result.raw


def test_emo_unknown_only_when_nothing_concrete():
    assert parse_tagged("<|en|><|EMO_UNKNOWN|><|Speech|><|woitn|>x").emotion == "EMO_UNKNOWN"
    assert parse_tagged("<|en|><|EMO_UNKNOWN|>x<|en|><|ANGRY|>y").emotion == "ANGRY"


def test_to_dict_is_json_ready():
    data = parse_tagged("<|en|><|HAPPY|><|Speech|><|withitn|>hi", duration_s=1.5).to_dict()
    assert data["events"] == ["Speech"] and data["duration_s"] == 1.5
    assert set(data["timings"]) == {"feature_ms", "model_ms", "total_ms"}
