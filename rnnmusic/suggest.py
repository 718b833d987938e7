"""The "did you mean" of every lookup by name (models, example seeds, commands, options), in one place."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def nearest(text: str, names: Iterable[str]) -> str | None:
    """The name nearest ``text`` with case set aside, or None when none is near enough to be a typo of it."""
    folded = {n.casefold(): n for n in names}
    close = difflib.get_close_matches(text.casefold(), list(folded), n=1, cutoff=0.6)
    return folded[close[0]] if close else None


def did_you_mean(text: str, names: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the name nearest ``text``, or "" when none is near."""
    found = nearest(text, names)
    return f"; did you mean {found!r}?" if found else ""
