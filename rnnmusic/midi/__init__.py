"""MIDI files and bytes: the only package that reads or writes them.

- :mod:`rnnmusic.midi.read`: a file or bytes to a NoteSequence (``read_midi``, ``read_midi_bytes``,
  ``read_text_events``), checked by :mod:`~rnnmusic.midi.chunks`, read by symusic
  (:mod:`~rnnmusic.midi.fast`) or, where symusic would pair notes differently, by the exact
  event parser (:mod:`~rnnmusic.midi.parse`); both give a :mod:`~rnnmusic.midi.parsed` value in ticks.
- :mod:`rnnmusic.midi.write`: a NoteSequence to a file or bytes (``write_midi``, ``sequence_to_midi_bytes``).
- :mod:`rnnmusic.midi.names`: pitch, key and General MIDI program names, and parsing them back.

Nothing is imported here, so that ``rnnmusic.midi.names`` (which the live engine uses) loads
no MIDI library and no reader.
"""
