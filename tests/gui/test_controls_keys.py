"""The key menu: the 24 keys spelt as rnnmusic.midi.names spells them, and saved keys of any spelling restored."""

from __future__ import annotations

import pytest

from rnnmusic.gui.controls_panel import ControlsPanel, ControlValues


@pytest.fixture
def panel(qtbot):
    widget = ControlsPanel()
    qtbot.addWidget(widget)
    return widget


def test_the_menu_spells_keys_as_musicians_do(panel):
    names = [panel.key.itemText(i) for i in range(panel.key.count())]
    assert names[:4] == ["Any key", "The seed's key", "C major", "Db major"]
    assert "Bb major" in names and "F# minor" in names and "G# minor" in names and "A# major" not in names
    assert len(names) == 2 + 24


@pytest.mark.parametrize("saved, shown", [
    ("A# major", "Bb major"),  # as older versions saved it
    ("F#:minor", "F# minor"),  # as a take's recipe or the command line spells it
    ("Eb minor", "Eb minor"), ("auto", "The seed's key"), ("H major", "Any key"), (None, "Any key"),
])
def test_a_saved_key_of_any_spelling_is_restored(panel, saved, shown):
    panel.set_values(ControlValues(key=saved))
    assert panel.key.currentText() == shown
