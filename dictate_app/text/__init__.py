"""Qt-free text for a person: the user's replacement rules, vocabulary correction, the words and
emoji for SenseVoice's tags."""
