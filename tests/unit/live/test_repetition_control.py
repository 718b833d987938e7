"""The repetition control: a CC moves it live, and a stream applies it to the tokens it samples next."""

from __future__ import annotations

import numpy as np
import pytest
from model_factory import make_model, melody_seed

from rnnmusic.engine import GenerateOptions, Generator, load_model_file
from rnnmusic.errors import ConfigError
from rnnmusic.live.control import Binding, ControlMap


def test_a_repetition_cc_spans_zero_to_one_unless_told_otherwise():
    controls = ControlMap([Binding("repetition", 22), Binding("temperature", 21)])
    assert controls.match(bytes([0xB0, 22, 0])) == ("repetition", 0.0)
    assert controls.match(bytes([0xB0, 22, 127])) == ("repetition", 1.0)
    assert controls.match(bytes([0xB0, 21, 0])) == ("temperature", 0.1)  # temperature keeps its own range
    narrow = ControlMap([Binding("repetition", 22, low=0.4, high=0.8)])
    assert narrow.match(bytes([0xB0, 22, 127])) == ("repetition", 0.8)
    with pytest.raises(ConfigError, match="repetition: need 0 <= low <= high <= 1"):
        Binding("repetition", 22, high=2.0)
    assert ControlMap.from_dict(controls.to_dict()).bindings == controls.bindings


def test_a_stream_changes_its_repetition_from_the_next_token_on(tmp_path):
    model = load_model_file(make_model(tmp_path / "m.onnx", context=True))
    stream = Generator(model).open_stream(melody_seed(), GenerateOptions(seed=1, repetition=0.5))
    stream.next_notes(2.0)
    assert np.array_equal(stream._session.batch.repetition, [0.0])
    stream.set_options(repetition=1.0)
    assert stream.options.repetition == 1.0 and stream._session.batch.repetition[0] == pytest.approx(30.0)
    with pytest.raises(ConfigError, match="repetition must be"):
        stream.set_options(repetition=1.5)
