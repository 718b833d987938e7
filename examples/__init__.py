"""The example seeds (package data): short MIDI openings to try the shipped models with.

The folder is ``examples/`` in a clone and ``rnnmusic.examples`` once installed, so a
pip-installed rnnmusic has them too; :mod:`rnnmusic.example_seeds` finds them by name.
"""
