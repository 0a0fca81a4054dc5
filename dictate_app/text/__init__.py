"""Qt-free text handling: joining transcript pieces, the user's replacement rules, vocabulary correction."""
