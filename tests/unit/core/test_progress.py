"""The one progress display: redrawn in place on a terminal, a line now and then in a log."""

from __future__ import annotations

import io

from rnnmusic.progress import ProgressLine, format_duration, terminal_progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_the_line_is_redrawn_in_place():
    out = Terminal()
    line = ProgressLine(out, interval=0.0)
    line.update("step 10 | loss 2.50")
    line.update("step 20 | loss 2")
    line.close()
    assert out.getvalue() == "\rstep 10 | loss 2.50\rstep 20 | loss 2   \n"


def test_in_a_log_each_shown_update_is_a_line_and_the_rest_wait_their_turn():
    out = io.StringIO()
    line = ProgressLine(out, interval=3600.0)
    line.update("first")
    line.update("too soon")
    line.update("forced", force=True)
    line.message("done")
    assert out.getvalue() == "first\nforced\ndone\n"


def test_a_disabled_line_writes_nothing():
    out = Terminal()
    line = ProgressLine(out, interval=0.0, enabled=False)
    line.update("x")
    line.message("y")
    line.close()
    assert out.getvalue() == "" and not line.due()


def test_terminal_progress_draws_percentages_and_ends_the_line():
    out = Terminal()
    show = terminal_progress("generating", out)
    show(0.25)  # the first update is always drawn
    show(1.0)  # the last is forced, then the line ends
    assert out.getvalue() == "\rgenerating  25%\rgenerating 100%\n"
    assert terminal_progress("generating", io.StringIO()) is None  # not a terminal: no callback at all


def test_durations_read_like_a_clock():
    assert [format_duration(s) for s in (5, 65, 3 * 3600 + 120, float("nan"))] == ["5s", "1m05s", "3h02m", "?"]
