"""Live control from MIDI CCs: temperature, regenerate, mute and the key/scale constraint.

A :class:`ControlMap` binds a controller number (on one channel, or any) to an
action and turns the controller's value into that action's setting. Regenerate,
a press rather than a setting, can be bound to a key instead: a note number whose
note-on fires it (a pad or a spare key on the control input). Maps are learned by
moving each control once (:func:`learn`) and saved as a small JSON file::

    {"version": 1, "controls": [{"action": "temperature", "cc": 21, "channel": null, "low": 0.1, "high": 2.0},
                                {"action": "regenerate", "note": 36, "channel": 9, "low": 0.0, "high": 1.0}, ...]}
"""

from __future__ import annotations

import json
import os
import queue
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TypeGuard

from rnnmusic.atomic import atomic_output
from rnnmusic.errors import ConfigError
from rnnmusic.live.messages import CONTROL_CHANGE, is_note_off, is_note_on
from rnnmusic.live.port_base import MidiInput
from rnnmusic.midi.names import key_name

ACTIONS = ("temperature", "repetition", "regenerate", "mute", "key")
#: the actions a key press can fire (the others take a controller's value)
NOTE_ACTIONS = ("regenerate",)
#: (value at CC 0, value at CC 127) of the continuous actions, unless a binding says otherwise
RANGES = {"temperature": (0.1, 2.0), "repetition": (0.0, 1.0)}
# CC value 0 lifts the key constraint; the rest of the range steps through the 24 keys.
KEYS: tuple[str | None, ...] = (None,) + tuple(key_name(t, m) for t in range(12) for m in (False, True))
FORMAT_VERSION = 1


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)  # JSON true is not controller 1


@dataclass(frozen=True)
class Binding:
    action: str
    cc: int | None = None  # the controller number; None for a key binding
    channel: int | None = None  # 0-15, or None for any channel
    low: float | None = None  # value at CC 0 (temperature 0.1, repetition 0 when None)
    high: float | None = None  # value at CC 127 (temperature 2, repetition 1 when None)
    note: int | None = None  # the key (note number) that fires the action, instead of a cc

    def __post_init__(self) -> None:
        if not isinstance(self.action, str) or self.action not in ACTIONS:
            raise ConfigError(f"unknown control action {self.action!r}; actions: {', '.join(ACTIONS)}")
        low, high = RANGES.get(self.action, (0.0, 1.0))
        object.__setattr__(self, "low", low if self.low is None else self.low)
        object.__setattr__(self, "high", high if self.high is None else self.high)
        if (self.cc is None) == (self.note is None):
            raise ConfigError(f"{self.action}: give cc (a controller) or note (a key)"
                              f"{', not both' if self.note is not None else ''}")
        if self.note is not None:
            if self.action not in NOTE_ACTIONS:
                raise ConfigError(f"{self.action}: only {', '.join(NOTE_ACTIONS)} can be bound to a note; "
                                  f"bind {self.action} to a cc")
            if not _is_int(self.note) or not 0 <= self.note <= 127:
                raise ConfigError(f"{self.action}: note must be a note number 0-127, not {self.note!r}")
        elif not _is_int(self.cc) or not 0 <= self.cc <= 119:
            raise ConfigError(f"{self.action}: cc must be a controller number 0-119, not {self.cc!r}")
        if self.channel is not None and (not _is_int(self.channel) or not 0 <= self.channel <= 15):
            raise ConfigError(f"{self.action}: channel must be 0-15 or null, not {self.channel!r}")
        for name in ("low", "high"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ConfigError(f"{self.action}: {name} must be a number, not {value!r}")
        top = 1 if self.action == "repetition" else 100
        lo, hi = self.low, self.high
        assert lo is not None and hi is not None  # filled in above and checked to be numbers
        if not 0 <= lo <= hi <= top:
            raise ConfigError(f"{self.action}: need 0 <= low <= high <= {top}, got {self.low!r} and {self.high!r}")


class ControlMap:
    """Bindings from (channel, controller) and (channel, key) to actions; :meth:`match` turns a message into one."""

    def __init__(self, bindings: Sequence[Binding] = ()) -> None:
        self.bindings = tuple(bindings)
        self._index: dict[tuple[int | None, int], Binding] = {}
        self._keys: dict[tuple[int | None, int], Binding] = {}
        for binding in self.bindings:
            index, what, number = ((self._index, "cc", binding.cc) if binding.note is None
                                   else (self._keys, "note", binding.note))
            assert number is not None  # Binding.__post_init__ checks that one of them is given
            key = (binding.channel, number)
            if key in index:
                raise ConfigError(f"{what} {number} is bound twice ({index[key].action} and {binding.action})")
            index[key] = binding
        self._last: dict[tuple[int | None, int], int] = {}

    def match(self, data: bytes) -> tuple[str, Any] | None:
        """(action, value) for a bound CC or key, else None. Regenerate fires when a CC's value rises past 63,
        or on its key's note-on; the key's note-off is consumed too (``("regenerate", False)``)."""
        if self._keys and (is_note_on(data) or is_note_off(data)):
            channel, note = data[0] & 0x0F, data[1]
            binding = self._keys.get((channel, note)) or self._keys.get((None, note))
            return None if binding is None else (binding.action, is_note_on(data))
        if len(data) != 3 or data[0] & 0xF0 != CONTROL_CHANGE:
            return None
        channel, cc, value = data[0] & 0x0F, data[1], data[2]
        key = (channel, cc) if (channel, cc) in self._index else (None, cc)
        binding = self._index.get(key)
        if binding is None:
            return None
        previous, self._last[key] = self._last.get(key, 0), value
        if binding.action in RANGES:
            low, high = binding.low, binding.high
            assert low is not None and high is not None  # Binding.__post_init__ fills them in
            return binding.action, round(low + (high - low) * value / 127.0, 3)
        if binding.action == "mute":
            return "mute", value >= 64
        if binding.action == "key":
            return "key", KEYS[value * len(KEYS) // 128]
        return "regenerate", value >= 64 > previous  # False: consumed, but nothing to do

    def to_dict(self) -> dict[str, Any]:
        # a binding names its controller or its key, not both: the one it lacks is left out
        controls = [{k: v for k, v in asdict(b).items() if v is not None or k not in ("cc", "note")}
                    for b in self.bindings]
        return {"version": FORMAT_VERSION, "controls": controls}

    @classmethod
    def from_dict(cls, data: Any, source: str = "<map>") -> ControlMap:
        if not isinstance(data, dict) or not isinstance(data.get("controls"), list):
            raise ConfigError(f"{source}: not a control map (expected {{\"version\": 1, \"controls\": [...]}})")
        if not _is_int(data.get("version", FORMAT_VERSION)):
            raise ConfigError(f"{source}: control map version must be a whole number, not {data['version']!r}")
        if data.get("version", FORMAT_VERSION) > FORMAT_VERSION:
            raise ConfigError(f"{source}: control map version {data['version']} is newer than this rnnmusic reads")
        bindings = []
        for i, entry in enumerate(data["controls"]):
            if not isinstance(entry, dict):
                raise ConfigError(f"{source}: control {i + 1} is not an object")
            unknown = sorted(set(entry) - {"action", "cc", "note", "channel", "low", "high"})
            if unknown or "action" not in entry or ("cc" not in entry and "note" not in entry):
                raise ConfigError(
                    f"{source}: control {i + 1} needs action and cc (or note, for regenerate) "
                    f"(unknown keys: {', '.join(unknown) or 'none'})"
                )
            try:
                bindings.append(Binding(**entry))
            except ConfigError as exc:
                raise ConfigError(f"{source}: control {i + 1}: {exc}") from None
            except TypeError:
                raise ConfigError(f"{source}: control {i + 1} has values of the wrong type") from None
        try:
            return cls(bindings)
        except ConfigError as exc:
            raise ConfigError(f"{source}: {exc}") from None

    def save(self, path: str | os.PathLike) -> Path:
        path = Path(path)
        with atomic_output(path) as tmp:
            Path(tmp).write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> ControlMap:
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"{path}: no such control map file (make one with --learn)") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read the control map: {exc}") from None
        return cls.from_dict(data, str(path))


def learn(
    port: MidiInput,
    actions: Sequence[str] = ACTIONS,
    timeout: float = 15.0,
    settle: float = 0.5,
    prompt: Callable[[str], None] = print,
) -> ControlMap:
    """Bind each action to the next controller moved on ``port`` (regenerate: or the next key pressed);
    an action nobody moves within ``timeout`` is skipped.

    After each binding, messages keep draining until the control has been still for ``settle``
    seconds, so turning one knob does not bind it to the next action too.
    """
    inbox: queue.SimpleQueue[bytes] = queue.SimpleQueue()
    port.set_callback(lambda data, arrived: inbox.put(data))
    bindings: list[Binding] = []
    used: set[tuple[str, int, int]] = set()  # ("cc" or "note", channel, number)
    try:
        for action in actions:
            keys = action in NOTE_ACTIONS
            prompt(f"move the control for {action}{' (or press its key)' if keys else ''} (skip: wait {timeout:g} s)")
            deadline = time.monotonic() + timeout
            found = None
            while found is None and (left := deadline - time.monotonic()) > 0:
                try:
                    data = inbox.get(timeout=left)
                except queue.Empty:
                    break
                kind = ("cc" if len(data) == 3 and data[0] & 0xF0 == CONTROL_CHANGE
                        else "note" if keys and is_note_on(data) else None)
                if kind is not None and (kind, data[0] & 0x0F, data[1]) not in used:
                    found = (kind, data[0] & 0x0F, data[1])
            if found is None:
                prompt(f"  {action}: skipped")
                continue
            used.add(found)
            kind, channel, number = found
            bindings.append(Binding(action, number, channel) if kind == "cc" else
                            Binding(action, channel=channel, note=number))
            prompt(f"  {action}: {kind} {number} on channel {channel + 1}")
            _drain_until_still(inbox, settle)
    finally:
        port.set_callback(None)
    return ControlMap(bindings)


def _drain_until_still(inbox: queue.SimpleQueue, settle: float) -> None:
    while True:
        try:
            inbox.get(timeout=settle)
        except queue.Empty:
            return
