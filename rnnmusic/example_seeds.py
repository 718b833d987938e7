"""The example seeds shipped with rnnmusic, found by name: `rnnmusic examples`, `generate --example NAME`.

The seeds are package data (``rnnmusic.examples``: ``examples/`` in a clone), so a pip-installed
rnnmusic has them too. A seed ``seed_NAME.mid`` is called NAME, the name of the shipped model it
suits; names are matched without regard to case, and ``seed_NAME`` or ``seed_NAME.mid`` mean NAME
too. What a seed is comes from the text event its recipe wrote into it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rnnmusic.errors import ConfigError
from rnnmusic.suggest import did_you_mean

PREFIX = "seed_"
_TEXT_PREFIX = "rnnmusic example seed: "


@dataclass(frozen=True)
class ExampleSeed:
    name: str
    path: Path

    def description(self) -> str:
        """What the seed is, from the text event its recipe wrote ("" when it has none)."""
        from rnnmusic.midi.read import read_text_events

        for text in read_text_events(self.path):
            if text.startswith(_TEXT_PREFIX):
                return text[len(_TEXT_PREFIX):]
        return ""


def examples_dir() -> Path | None:
    """The folder of the example seeds, or None when the package has none."""
    from importlib import resources

    try:
        folder = Path(str(resources.files("rnnmusic.examples")))
    except ModuleNotFoundError:
        return None
    return folder if folder.is_dir() else None


def list_examples() -> list[ExampleSeed]:
    """Every example seed, by name."""
    folder = examples_dir()
    if folder is None:
        return []
    return [ExampleSeed(_name_of(path), path) for path in sorted(folder.glob("*.mid"))]


def _name_of(path: Path) -> str:
    return path.stem.removeprefix(PREFIX)


def find_example(name: str) -> ExampleSeed:
    """The example seed called ``name`` (any case; ``seed_`` and ``.mid`` optional), or a ConfigError
    that lists the examples and suggests the nearest name."""
    examples = list_examples()
    wanted = name.strip().casefold().removesuffix(".mid").removeprefix(PREFIX)
    for example in examples:
        if example.name.casefold() == wanted:
            return example
    names = [e.name for e in examples]
    raise ConfigError(f"no example seed named {name!r}{did_you_mean(wanted, names)} "
                      f"(examples: {', '.join(names) or 'none installed'}; see `rnnmusic examples`)")

