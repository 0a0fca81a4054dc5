"""Qt-free text handling: joining transcript pieces, later replacement rules."""
