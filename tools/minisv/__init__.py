"""Developer tools: the miniature SenseVoice fixture builder (``tools.minisv``)."""
