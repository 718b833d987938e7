"""Audio previews: render a MIDI file to WAV with FluidSynth and a General MIDI SoundFont.

Both are system components, not Python packages, so they are looked for here and a
missing one gets a message that says how to install it. A SoundFont is taken from
``$RNNMUSIC_SOUNDFONT``, else from the usual places Linux distributions and Homebrew
install one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from rnnmusic.errors import RnnmusicError

SAMPLE_RATE = 44100
SOUNDFONT_CANDIDATES = (
    "/usr/share/sounds/sf2/FluidR3_GM.sf2",
    "/usr/share/sounds/sf2/TimGM6mb.sf2",
    "/usr/share/sounds/sf2/default-GM.sf2",
    "/usr/share/soundfonts/default.sf2",
    "/usr/share/soundfonts/FluidR3_GM.sf2",
    "/usr/share/sounds/sf3/default-GM.sf3",
    "/opt/homebrew/share/soundfonts/default.sf2",
    "/usr/local/share/soundfonts/default.sf2",
)
_FAILURE_SIGNS = ("Failed to load", "not a SoundFont or MIDI file", "error occurred identifying")
_INSTALL_HINT = "Debian/Ubuntu: apt install fluidsynth timgm6mb-soundfont; macOS: brew install fluid-synth"


class AudioUnavailable(RnnmusicError):
    """FluidSynth or a SoundFont is missing."""


def find_fluidsynth() -> str:
    """The fluidsynth program, or AudioUnavailable saying how to install it."""
    found = shutil.which("fluidsynth")
    if not found:
        raise AudioUnavailable(f"audio rendering needs FluidSynth, which is not installed ({_INSTALL_HINT})")
    return found


def find_soundfont() -> Path:
    """A General MIDI SoundFont: $RNNMUSIC_SOUNDFONT, else the first one found in the usual places."""
    chosen = os.environ.get("RNNMUSIC_SOUNDFONT")
    if chosen:
        path = Path(chosen).expanduser()
        if not path.is_file():
            raise AudioUnavailable(f"RNNMUSIC_SOUNDFONT={chosen}: no such SoundFont file")
        with open(path, "rb") as handle:
            header = handle.read(12)
        if header[:4] != b"RIFF" or header[8:12] not in (b"sfbk", b"DLS "):
            raise AudioUnavailable(f"RNNMUSIC_SOUNDFONT={chosen}: not a SoundFont (.sf2) file")
        return path
    for candidate in SOUNDFONT_CANDIDATES:
        if Path(candidate).is_file():
            return Path(candidate)
    raise AudioUnavailable(
        f"audio rendering needs a General MIDI SoundFont and none was found ({_INSTALL_HINT}; "
        "or set RNNMUSIC_SOUNDFONT to a .sf2 file)"
    )


def check_audio() -> tuple[str, Path]:
    """(fluidsynth, SoundFont) when audio can be rendered; AudioUnavailable otherwise (checked before work starts)."""
    return find_fluidsynth(), find_soundfont()


def render_wav_to(program: str, soundfont: Path, midi_path: str | os.PathLike, out: str | os.PathLike,
                  sample_rate: int = SAMPLE_RATE, name: str | None = None) -> None:
    """Run FluidSynth offline (no audio device) into ``out``; RnnmusicError (naming ``name``) when it fails."""
    name = name or os.fspath(out)
    command = [program, "-ni", "-q", "-T", "wav", "-F", str(out), "-r", str(sample_rate), str(soundfont),
               str(midi_path)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RnnmusicError(f"{name}: FluidSynth failed ({exc})") from None
    # FluidSynth exits 0 (and writes silence) when it cannot load the SoundFont or read the file
    failed = any(sign in done.stderr for sign in _FAILURE_SIGNS)
    if done.returncode != 0 or failed or not Path(out).is_file() or Path(out).stat().st_size <= 44:
        detail = [line for line in (done.stderr or done.stdout).strip().splitlines() if line.strip()]
        reason = detail[-1].strip() if detail else f"exit status {done.returncode}"
        raise RnnmusicError(f"{name}: FluidSynth could not render the MIDI file ({reason})")
