"""The rnnmusic desktop app (PySide6), installed as ``rnnmusic.gui``: start it with `rnnmusic gui` or `rnnmusic-gui`.

It holds no generation logic: every model call goes through :mod:`rnnmusic.engine` and
live play through :mod:`rnnmusic.live`, run off the GUI thread by the adapters in
:mod:`rnnmusic.gui.workers`.
"""
