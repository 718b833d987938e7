"""What the app remembers between runs, kept in QSettings behind typed accessors.

Widgets never read QSettings keys themselves: they ask this class, so a key is
spelled once and a value read back from an ini file (where everything is a
string) is converted to the right type in one place.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings

ORGANIZATION = "rnnmusic"
APPLICATION = "rnnmusic"
MAX_RECENT = 10


class Settings:
    """Typed access to the app's QSettings (a temporary ini file in tests)."""

    def __init__(self, path: str | Path | None = None):
        if path is None:
            self.qsettings = QSettings(ORGANIZATION, APPLICATION)
        else:
            self.qsettings = QSettings(str(path), QSettings.Format.IniFormat)

    # -- plain values ----------------------------------------------------------
    def value(self, key: str, default: Any = None) -> Any:
        return self.qsettings.value(key, default)

    def set_value(self, key: str, value: Any) -> None:
        self.qsettings.setValue(key, value)

    def get_int(self, key: str, default: int) -> int:
        try:
            return int(self.value(key, default))
        except (TypeError, ValueError):
            return default

    def get_float(self, key: str, default: float) -> float:
        try:
            return float(self.value(key, default))
        except (TypeError, ValueError):
            return default

    def get_bool(self, key: str, default: bool) -> bool:
        raw = self.qsettings.value(key, default)
        if isinstance(raw, str):  # ini files give "true"/"false" back as strings
            return raw.strip().lower() in ("1", "true", "yes", "on")
        return bool(raw)

    def get_str(self, key: str, default: str = "") -> str:
        raw = self.qsettings.value(key, default)
        return default if raw is None else str(raw)

    def get_list(self, key: str) -> list[str]:
        raw = self.value(key, [])
        if raw is None or raw == "":
            return []
        if isinstance(raw, str):  # a one-element list comes back as a bare string
            return [raw]
        return [str(item) for item in raw]

    def get_bytes(self, key: str) -> QByteArray | None:
        raw = self.qsettings.value(key)
        return raw if isinstance(raw, QByteArray) else None

    # -- recent files ------------------------------------------------------------
    def recent_files(self) -> list[str]:
        return self.get_list("files/recent")

    def add_recent_file(self, path: str | Path) -> list[str]:
        """Put ``path`` first in the recent list (no duplicates, at most MAX_RECENT)."""
        path = str(Path(path).resolve())
        recent = [p for p in self.recent_files() if p != path]
        recent.insert(0, path)
        recent = recent[:MAX_RECENT]
        self.qsettings.setValue("files/recent", recent)
        return recent

    def clear_recent_files(self) -> None:
        self.qsettings.setValue("files/recent", [])

    # -- models the user added -------------------------------------------------------
    def user_models(self) -> list[str]:
        return self.get_list("models/user")

    def set_user_models(self, paths: list[str]) -> None:
        self.qsettings.setValue("models/user", list(paths))

    def sync(self) -> None:
        self.qsettings.sync()
