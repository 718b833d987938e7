"""The `rnnmusic` command line: a thin shell over the library; no generation logic lives here."""
