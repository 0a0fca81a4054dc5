"""The miniature model's vocabulary: what it can say, in English and Mandarin.

Small on purpose: ten digits per language, a few dozen common words, and phrases built from them.
Every Mandarin character here was checked with ``espeak-ng -q -v cmn-latn-pinyin -x`` to be read
as Mandarin (no ``(en)`` switch); :func:`tools.minisv.corpus.check_mandarin` re-checks each
utterance at synthesis time.
"""

from __future__ import annotations

EN_DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
ZH_DIGITS = ("零", "一", "二", "三", "四", "五", "六", "七", "八", "九")

# Common words, chosen to be acoustically distinct from each other and from the digit words
# (no "to"/"for", which espeak says exactly like "two"/"four").
EN_WORDS = (
    "hello", "world", "please", "open", "close", "the", "door", "window", "turn", "on", "off",
    "light", "music", "play", "stop", "call", "my", "mother", "friend", "good", "morning", "night",
    "thank", "you", "yes", "no", "today", "tomorrow", "red", "blue", "green", "big", "small",
    "cat", "dog", "water", "time", "is", "it", "now", "home", "go", "book", "phone", "number",
    "send", "message", "we", "are", "happy", "coffee", "table", "left", "right",
)

# Mandarin words (one to two characters), written without spaces as SenseVoice writes Chinese.
ZH_WORDS = (
    "你好", "世界", "谢谢", "朋友", "音乐", "播放", "停止", "明天", "今天", "早上", "中国",
    "我们", "是", "打开", "关闭", "电话", "时间", "现在", "下午", "工作", "学习", "吃饭",
    "喝水", "回家", "请", "帮", "我", "看", "书", "门", "窗", "红色", "蓝色", "绿色", "大",
    "小", "好", "不", "要", "有", "人", "猫", "狗", "天气", "很",
)

# Natural phrases (2-8 words) in which digits can be slotted: "{d}" is a run of 1-4 digits.
EN_TEMPLATES = (
    "hello world", "please open the door", "close the window", "turn on the light",
    "turn off the light", "play music", "stop the music", "call my mother", "call my friend",
    "good morning", "good night", "thank you", "yes please", "no thank you", "open the book",
    "send a message", "call {d}", "my number is {d}", "turn left", "turn right", "go home now",
    "it is {d} now", "the cat is big", "the dog is small", "we are happy", "water please",
    "send message {d}", "open window {d}", "today is good", "see you tomorrow",
)
ZH_TEMPLATES = (
    "你好世界", "请打开门", "关闭窗", "播放音乐", "停止音乐", "谢谢朋友", "今天天气很好",
    "明天早上", "我们回家", "我要喝水", "请帮我", "我看书", "现在是{d}", "电话{d}", "我要吃饭",
    "下午工作", "今天学习", "我有猫", "我有狗", "我不要", "红色的门", "打开电话{d}",
    "现在时间{d}", "你好朋友", "我们工作",
)

# Words added to templates above that are not in the word lists; kept here so the vocabulary
# (and the tokenizer trained from it) is explicit.
EN_EXTRA = ("a", "see")
ZH_EXTRA = ("的",)


def en_digit_text(digits: list[int], itn: bool) -> str:
    """English digits as the model should write them: ``"371"`` with itn, ``"three seven one"`` without."""
    if itn:
        return "".join(str(d) for d in digits)
    return " ".join(EN_DIGITS[d] for d in digits)


def zh_digit_text(digits: list[int], itn: bool) -> str:
    """Mandarin digits as the model should write them: ``"371"`` with itn, ``"三七一"`` without."""
    if itn:
        return "".join(str(d) for d in digits)
    return "".join(ZH_DIGITS[d] for d in digits)


def all_text_samples() -> list[str]:
    """Lines that cover every word and character of the vocabulary in both itn styles.

    Used to train the tokenizer (and as the text side of random test models).
    """
    lines = list(EN_DIGITS) + list(EN_WORDS) + list(EN_EXTRA) + list(ZH_WORDS) + list(ZH_EXTRA)
    # Every word also after a space, so the BPE learns "▁word" as well as sentence-initial "word".
    lines += ["the " + word for word in EN_DIGITS + EN_WORDS + EN_EXTRA]
    lines += ["".join(ZH_DIGITS), " ".join(EN_DIGITS), "0123456789"]
    for template in EN_TEMPLATES:
        lines.append(template.replace("{d}", en_digit_text([3, 7], False)))
        lines.append(template.replace("{d}", en_digit_text([3, 7], True)))
    for template in ZH_TEMPLATES:
        lines.append(template.replace("{d}", zh_digit_text([3, 7], False)))
        lines.append(template.replace("{d}", zh_digit_text([3, 7], True)))
    return lines
