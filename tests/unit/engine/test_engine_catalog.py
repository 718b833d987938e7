"""The model catalog: shipped and user models with cards, name lookup, and the default model for a seed."""

from __future__ import annotations

import pytest
from model_factory import DATA, chord_seed, drum_seed, melody_seed

from rnnmusic.engine import catalog
from rnnmusic.engine.catalog import default_model_for, list_models, resolve_model, seed_kind, user_models_dir
from rnnmusic.errors import ConfigError
from rnnmusic.midi.read import read_midi
from rnnmusic.notes import NoteSequence


@pytest.fixture
def shipped(tmp_path, monkeypatch):
    """A shipped-models folder to fill (the real one may be empty while models are being trained)."""
    folder = tmp_path / "shipped"
    folder.mkdir()
    monkeypatch.setattr(catalog, "shipped_models_dir", lambda: folder)
    monkeypatch.setenv("RNNMUSIC_MODELS", str(tmp_path / "user"))
    return folder


def _copy(source, folder, name, card=None):
    (folder / f"{name}.onnx").write_bytes(source.read_bytes())
    if card is not None:
        (folder / f"{name}.md").write_text(card)


def test_user_folder_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("RNNMUSIC_MODELS", str(tmp_path / "x"))
    assert user_models_dir() == tmp_path / "x"
    monkeypatch.delenv("RNNMUSIC_MODELS")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert user_models_dir() == tmp_path / "data" / "rnnmusic" / "models"


def test_list_models_reads_cards_and_metadata_and_flags_broken_files(shipped, model_paths, tmp_path):
    _copy(model_paths["melody"], shipped, "folk", card="# Folk\n\nTrained on folk tunes.\n")
    user = tmp_path / "user"
    user.mkdir()
    _copy(model_paths["drums"], user, "beats")
    (user / "broken.onnx").write_bytes(b"not a model")
    entries = {e.name: e for e in list_models()}
    assert set(entries) == {"folk", "beats", "broken"}
    assert entries["folk"].shipped and "folk tunes" in entries["folk"].card
    assert entries["folk"].encoding_name == "melody" and entries["folk"].info.architecture.cell == "lstm"
    assert not entries["beats"].shipped and entries["beats"].card == ""
    assert entries["broken"].info is None and "not an ONNX file" in entries["broken"].problem


def test_names_resolve_shipped_first_and_paths_pass_through(shipped, model_paths, tmp_path):
    _copy(model_paths["melody"], shipped, "folk")
    user = tmp_path / "user"
    user.mkdir()
    _copy(model_paths["polyphony"], user, "folk")
    assert resolve_model("folk") == shipped / "folk.onnx"
    assert resolve_model(str(model_paths["drums"])) == model_paths["drums"]
    assert resolve_model("elsewhere/any.onnx").name == "any.onnx"  # a path, even if missing: loading says so
    with pytest.raises(ConfigError, match="no model named 'chorale'"):
        resolve_model("chorale")


def test_names_match_in_any_case_the_exact_name_first(shipped, model_paths, tmp_path):
    _copy(model_paths["melody"], shipped, "folk")
    user = tmp_path / "user"
    user.mkdir()
    _copy(model_paths["polyphony"], user, "FOLK")
    _copy(model_paths["drums"], user, "Beats")
    assert resolve_model("Folk") == shipped / "folk.onnx"  # no exact match: any case, shipped first
    assert resolve_model("FOLK") == user / "FOLK.onnx"  # the exact name wins
    assert resolve_model("beats") == user / "Beats.onnx"


def test_a_near_miss_is_answered_with_the_nearest_name(shipped, model_paths):
    _copy(model_paths["melody"], shipped, "folk")
    _copy(model_paths["polyphony"], shipped, "chorale")
    with pytest.raises(ConfigError, match=r"no model named 'Chrale'; did you mean 'chorale'\? \(known models: "
                                          r"chorale, folk"):
        resolve_model("Chrale")
    with pytest.raises(ConfigError) as far:
        resolve_model("symphony")
    assert "did you mean" not in str(far.value)


def test_seed_kinds():
    assert seed_kind(None) == "empty"
    assert seed_kind(NoteSequence()) == "empty"
    assert seed_kind(melody_seed()) == "monophonic"
    assert seed_kind(chord_seed()) == "polyphonic"
    assert seed_kind(drum_seed()) == "drums"
    assert seed_kind(read_midi(DATA / "format1_piano.mid")) == "polyphonic"
    assert seed_kind(read_midi(DATA / "drums.mid")) == "monophonic"  # a drum groove with a bass line: the bass leads
    assert seed_kind(read_midi(DATA / "tempo_changes.mid")) == "monophonic"


def test_default_model_fits_the_seed(shipped, model_paths):
    with pytest.raises(ConfigError, match="no shipped model fits a monophonic seed.*--model"):
        default_model_for(melody_seed())
    _copy(model_paths["polyphony"], shipped, "chorale")
    # a melody can be continued by a chord model when no melody model is shipped
    assert default_model_for(melody_seed()).name == "chorale"
    _copy(model_paths["melody"], shipped, "folk")
    _copy(model_paths["drums"], shipped, "drums")
    assert default_model_for(melody_seed()).name == "folk"
    assert default_model_for(chord_seed()).name == "chorale"
    assert default_model_for(drum_seed()).name == "drums"
    assert default_model_for(None).name == "folk"


def test_a_drum_seed_without_a_drum_model_is_told_so(shipped, model_paths):
    _copy(model_paths["melody"], shipped, "folk")
    with pytest.raises(ConfigError, match="no shipped model fits a drums seed"):
        default_model_for(drum_seed())
