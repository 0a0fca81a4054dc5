"""Audio for driving the recorder and the decoders: a fake ``sounddevice`` input stream that
replays samples through the recorder's real callback, and decompression bombs."""
