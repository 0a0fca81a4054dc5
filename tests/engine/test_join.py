from dictate_app.engine.join import is_cjk, join_pieces


def test_latin_pieces_get_one_space():
    assert join_pieces(["hello ", " world", "", "  again"]) == "hello world again"


def test_cjk_seams_get_no_space():
    assert join_pieces(["你好", "世界"]) == "你好世界"
    assert join_pieces(["三七", "seven"]) == "三七seven"
    assert join_pieces(["こんにちは", "世界"]) == "こんにちは世界"


def test_korean_keeps_spaces_between_words():
    assert not is_cjk("안")
    assert join_pieces(["안녕하세요", "세계"]) == "안녕하세요 세계"


def test_full_width_punctuation_counts_as_cjk():
    assert join_pieces(["你好，", "world"]) == "你好，world"
