"""The model picker: shipped and user-folder models, files added by hand, cards, and bad files."""

from __future__ import annotations

import shutil

import pytest
from PySide6.QtCore import Qt
from support import require

from rnnmusic.gui.engine_bridge import EngineBridge
from rnnmusic.gui.model_panel import ModelPanel


@pytest.fixture
def user_folder(tmp_path, monkeypatch):
    folder = tmp_path / "user-models"
    folder.mkdir()
    monkeypatch.setenv("RNNMUSIC_MODELS", str(folder))
    return folder


@pytest.fixture
def panel(qtbot, settings, user_folder, dialogs):
    widget = ModelPanel(EngineBridge(), settings)
    qtbot.addWidget(widget)
    return widget


def names(panel) -> list[str]:
    return [e.name for e in panel.models.entries()]


def test_models_in_the_user_folder_are_listed_with_their_card(panel, user_folder, second_model):
    shutil.copy(second_model, user_folder / "other.onnx")
    shutil.copy(second_model.with_suffix(".md"), user_folder / "other.md")
    panel.reload()
    assert "other" in names(panel)
    assert panel.select_path(user_folder / "other.onnx")
    text = panel.details.toPlainText()
    assert "GRU, 1 × 16" in text  # the facts the file states about itself, under Details
    assert "melody" in text
    assert "A second test model" in text  # and the Markdown card beside it
    assert "Plays a single melody line" in panel.card.toPlainText()


def test_an_added_file_is_chosen_remembered_and_can_be_removed(qtbot, panel, settings, tiny_model, user_folder):
    panel.reload()
    with qtbot.waitSignal(panel.model_changed) as changed:
        assert panel.add_file(tiny_model)
    assert changed.args[0].name == "tiny"
    assert panel.current().path == tiny_model
    assert "valid NLL 1.234" in panel.details.toPlainText()
    assert settings.user_models() == [str(tiny_model)]
    again = ModelPanel(EngineBridge(), settings)  # the next run of the app
    qtbot.addWidget(again)
    again.reload()
    assert again.current() is not None and again.current().path == tiny_model
    assert again.remove_button.isEnabled()
    again.remove_current()
    assert settings.user_models() == []
    assert "tiny" not in names(again)


def test_card_values_read_as_text():
    from rnnmusic.gui.model_panel import _value

    assert _value({"train": 2769, "valid": 158}) == "train 2,769 · valid 158"
    assert _value(1.13477) == "1.135" and _value(True) == "yes" and _value("x") == "x"


def test_the_shipped_models_have_cards(qtbot, panel):
    panel.reload()
    shipped = [e for e in panel.models.entries() if e.shipped]
    require(bool(shipped), "the shipped models (models/*.onnx)")
    for entry in shipped:
        panel.select_path(entry.path)
        text = panel.details.toPlainText()
        assert "Training files" in text and "Metrics" in text and "NLL" in text
        card = panel.card.toPlainText()
        assert card.startswith(entry.name) and "Plays" in card and "Learned from" in card
        for word in ("NLL", "nats", "token", "LSTM", "logit"):  # figures and machine words: under Details
            assert word not in card
        assert not panel.remove_button.isEnabled()  # shipped models cannot be removed


def test_adding_the_same_file_twice_lists_it_once(panel, tiny_model):
    panel.reload()
    panel.add_file(tiny_model)
    panel.add_file(tiny_model)
    assert names(panel).count("tiny") == 1


@pytest.mark.parametrize("content, reason", [
    (b"", "is empty"),
    (b"this is not a model at all", "is not an ONNX model"),
])
def test_a_bad_model_file_is_a_plain_message(panel, dialogs, tmp_path, settings, content, reason):
    panel.reload()
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(content)
    assert not panel.add_file(bad)
    assert dialogs.titles == ["Cannot use this model"]
    assert "bad.onnx" in dialogs.shown[0][1] and reason in dialogs.shown[0][1]
    assert "bad" not in names(panel) and settings.user_models() == []


def test_an_onnx_file_that_is_not_an_rnnmusic_model_is_refused(panel, dialogs, tmp_path):
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])])
    path = tmp_path / "plain.onnx"
    onnx.save(helper.make_model(graph), str(path))
    panel.reload()
    assert not panel.add_file(path)
    assert "not an rnnmusic model" in dialogs.shown[0][1]


def test_a_remembered_file_that_was_deleted_is_forgotten_quietly(qtbot, panel, settings, tiny_model, tmp_path, dialogs):
    copy = tmp_path / "copy.onnx"
    shutil.copy(tiny_model, copy)
    panel.reload()
    panel.add_file(copy)
    copy.unlink()
    again = ModelPanel(EngineBridge(), settings)
    qtbot.addWidget(again)
    again.reload()
    assert settings.user_models() == [] and dialogs.shown == []
    assert all(entry.path != copy for entry in again.models.entries())
    if again.current() is None:
        assert "No model yet" in again.card.toPlainText()
    else:  # once the shipped models are in the package, one of them is chosen instead
        assert again.current().shipped


def test_dropping_an_onnx_file_on_the_window_adds_it(window, second_model, dialogs):
    from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
    from PySide6.QtGui import QDragEnterEvent, QDropEvent
    from PySide6.QtWidgets import QApplication

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(second_model))])
    # a drag event takes a QPoint up to PySide6 6.11 (6.12 also takes QPointF)
    enter = QDragEnterEvent(QPoint(20, 20), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)  # as a real drag does: enter first, then drop
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(20, 20), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, drop)
    assert window.models.current().name == "other"


def test_the_card_leads_with_what_the_model_plays_and_details_open_on_request(qtbot, panel):
    from rnnmusic.engine import list_models

    shipped = {e.name: e for e in list_models() if e.shipped}
    require({"folk", "chorale"} <= set(shipped), "the shipped models (models/*.onnx)")
    panel.reload()
    panel.show()
    panel.select_path(shipped["folk"].path)
    lines = panel.card.toPlainText().splitlines()
    assert lines[:2] == ["folk", "Plays a single melody line, one note at a time."]
    learned = next(line for line in lines if line.startswith("Learned from"))
    assert "3,068 pieces (2,769 to learn from" in learned
    assert not panel.details.isVisible()
    qtbot.mouseClick(panel.details_button, Qt.MouseButton.LeftButton)
    assert panel.details.isVisible() and "valid NLL" in panel.details.toPlainText()
    panel.select_path(shipped["chorale"].path)
    assert panel.card.toPlainText().splitlines()[1] == "Plays several voices at once: chords and part writing."
