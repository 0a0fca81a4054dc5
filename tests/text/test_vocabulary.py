"""Vocabulary fixes: fuzzy for Latin script (rapidfuzz), by sound for Chinese (pypinyin)."""

from __future__ import annotations

from dictate_app.text.vocabulary import Vocabulary, pinyin_key


def test_latin_near_misses_become_the_term():
    v = Vocabulary(("Kubernetes", "PostgreSQL", "Anthropic"))
    assert v.fix("deploy it on kubernetis today") == "deploy it on Kubernetes today"
    assert v.fix("the postgres sql database") == "the PostgreSQL database"  # two words -> one
    assert v.fix("cooper netties and anthropics") == "cooper netties and Anthropic"
    assert v.fix("a dog and a cat") == "a dog and a cat"  # nothing near: untouched


def test_short_terms_only_fix_case_and_distant_words_stay():
    v = Vocabulary(("iOS", "Mom"))
    assert v.fix("my ios phone, mom") == "my iOS phone, Mom"
    assert v.fix("my ions phone, moms") == "my ions phone, moms"
    assert Vocabulary(("Kubernetes",)).fix("kettles") == "kettles"


def test_longer_terms_win_and_do_not_overlap():
    v = Vocabulary(("York", "New York Times"))
    assert v.fix("read the new yorke times") == "read the New York Times"


def test_chinese_homophones_by_pinyin():
    v = Vocabulary(("微信", "天启"))
    assert pinyin_key("微信") == pinyin_key("维新")
    assert v.fix("请用维新发给我") == "请用微信发给我"
    assert v.fix("今天天气很好") == "今天天启很好"  # tian qi == tian qi
    # Fuzzy pinyin folds zh/z, sh/s, n/l, -ng/-n:
    assert Vocabulary(("知识",)).fix("我们学习滋四") == "我们学习知识"
    assert Vocabulary(("微信",)).fix("hello 维新 world") == "hello 微信 world"
    assert Vocabulary(("微信",)).fix("今天很好") == "今天很好"


def test_empty_vocabulary_is_falsy_and_a_no_op():
    assert not Vocabulary(())
    assert Vocabulary((" ", "")).fix("x") == "x"
