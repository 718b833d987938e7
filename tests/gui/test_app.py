"""Starting the app: `rnnmusic gui` (with and without PySide6), system colour scheme, settings kept, desktop file."""

from __future__ import annotations

import configparser
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from rnnmusic.gui.app import follow_color_scheme, is_dark
from rnnmusic.gui.pianoroll_scene import Layer

ROOT = Path(__file__).resolve().parents[2]


def run_python(code: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path / "config"),
                   "RNNMUSIC_MODELS": str(tmp_path / "no-models"), **env}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=120, env=environment, cwd=tmp_path)


def test_without_pyside6_the_command_says_how_to_install_it(tmp_path):
    done = run_python("""
        import sys
        sys.modules["PySide6"] = None  # as if PySide6 were not installed
        from rnnmusic.cli.main import main
        sys.exit(main(["gui"]))
    """, tmp_path)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("rnnmusic gui: error:") and "pip install 'rnnmusic[gui]'" in lines[0]


def test_rnnmusic_gui_opens_the_seed_with_the_model(tmp_path, seed_file, tiny_model):
    # the event loop is replaced by a report of what the window shows, so the command returns
    done = run_python(f"""
        import sys
        from PySide6.QtWidgets import QApplication
        from rnnmusic.gui.main_window import MainWindow

        def report(*args):
            window = next(w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow))
            print("TITLE", window.windowTitle())
            print("MODEL", window.models.current().name)
            print("NOTES", len(window.seed))
            window.close()
            return 0

        QApplication.exec = report
        from rnnmusic.cli.main import main
        sys.exit(main(["gui", {str(seed_file)!r}, "--model", {str(tiny_model)!r}]))
    """, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "TITLE seed.mid — rnnmusic" in done.stdout
    assert "MODEL tiny" in done.stdout
    assert "NOTES 16" in done.stdout
    assert (tmp_path / "config" / "rnnmusic" / "rnnmusic.conf").is_file()  # settings went to the user's config


def test_palette_follows_the_system_colour_scheme(qtbot, window, seed_file):
    app = QApplication.instance()
    window.open_file(seed_file)
    before = window.roll.scene.note_items(Layer.SEED)[0].brush().color().rgb()
    legend = window.legend.text()
    assert "seed" in legend and "generated" in legend
    follow_color_scheme(app)
    saved = app.palette()
    try:
        app.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Dark)  # what the platform sends
        assert is_dark(app.palette())
        qtbot.waitUntil(lambda: is_dark(window.roll.palette()))  # widgets hear of it through events
        dark_seed = window.roll.scene.note_items(Layer.SEED)[0].brush().color().rgb()
        assert dark_seed != before
        assert window.legend.text() != legend  # the legend shows the colours in use
        app.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Light)
        assert not is_dark(app.palette())
        qtbot.waitUntil(lambda: not is_dark(window.roll.palette()))
        assert window.roll.scene.note_items(Layer.SEED)[0].brush().color().rgb() == before
    finally:
        app.setPalette(saved)


def test_settings_are_kept_between_runs(qtbot, settings, ports, tiny_model, seed_file, dialogs):
    from rnnmusic.gui.app import create_window

    first = create_window(settings, ports=ports, audio_factory=None)
    qtbot.addWidget(first)
    first.models.add_file(tiny_model)
    first.open_file(seed_file)
    first.controls.bars.setValue(12)
    first.controls.temperature.setValue(0.8)
    first.controls.top_p.setValue(0.9)
    first.controls.variations.setValue(3)
    first.controls.seed.setValue(1234)
    first.controls.seed_lock.setChecked(True)
    first.controls.key.setCurrentText("A minor")
    first.transport.set_target("DAW in")
    first.live.mode.setCurrentIndex(1)
    first.resize(640, 480)  # within the offscreen screen, which clamps restored geometry
    first.close()

    second = create_window(settings, ports=ports, audio_factory=None)
    qtbot.addWidget(second)
    values = second.controls.values()
    assert (values.bars, values.temperature, values.top_p, values.variations, values.seed, values.seed_locked,
            values.key) == (12, 0.8, 0.9, 3, 1234, True, "A minor")
    assert second.models.current().path == tiny_model
    assert second.transport.target() == "DAW in"
    assert second.live.mode.currentData() == "call-response"
    assert second.recent_menu.actions()[0].text() == "seed.mid"
    assert (second.size().width(), second.size().height()) == (640, 480)
    second.close()


def test_desktop_file_launches_the_gui_script_with_our_icon():
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str
    entry.read(ROOT / "packaging" / "rnnmusic.desktop", encoding="utf-8")
    desktop = entry["Desktop Entry"]
    assert desktop["Type"] == "Application"
    assert desktop["Exec"] == "rnnmusic-gui %f"
    assert 'rnnmusic-gui = "rnnmusic.gui.app:main"' in (ROOT / "pyproject.toml").read_text()
    assert (ROOT / "packaging" / "icons" / f"{desktop['Icon']}.svg").is_file()
    assert "audio/midi" in desktop["MimeType"].split(";")
    assert desktop["Categories"].startswith("AudioVideo;Audio;")


def test_rnnmusic_gui_model_names_follow_the_command_lines_rule(tmp_path):
    # "Chorale" is the shipped chorale model (any case), kept even for the folk seed (which would pick
    # folk); a near miss is told "did you mean" in a message box (replaced by a report of its text)
    folk = ROOT / "examples" / "seed_folk.mid"
    done = run_python(f"""
        import sys
        from PySide6.QtWidgets import QApplication, QMessageBox
        from rnnmusic.gui.main_window import MainWindow

        QMessageBox.warning = lambda parent, title, text: print("WARNING", title, "|", text)

        def report(*args):
            window = next(w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow))
            print("MODEL", window.models.current().name)
            window.close()
            return 0

        QApplication.exec = report
        from rnnmusic.cli.main import main
        main(["gui", {str(folk)!r}, "--model", "Chorale"])
        main(["gui", "--model", "chorle"])
    """, tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "MODEL chorale", done.stdout
    warning = next(line for line in lines if line.startswith("WARNING"))
    assert "No such model" in warning and "did you mean 'chorale'?" in warning
