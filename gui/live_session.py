"""Build and own one live run: the same pieces `rnnmusic live` puts together, from a LiveRequest.

The model's open-ended stream (:meth:`Generator.open_stream`), the ports, the clock
and :class:`~rnnmusic.live.LiveEngine` are the live engine's own; this module only
wires them in the order the CLI does and closes the ports after the engine stops
(the engine does not own its ports, the caller does).
"""

from __future__ import annotations

from rnnmusic.gui.live_panel import LiveRequest


class LiveSession:
    """A started LiveEngine plus the ports it plays through; ``stop`` ends every note and closes them."""

    def __init__(self, engine, output, port_in=None):
        self.engine, self.output, self.port_in = engine, output, port_in

    # what the live panel reads
    @property
    def clock(self):
        return self.engine.clock

    @property
    def scheduler(self):
        return self.engine.scheduler

    @property
    def stopped(self) -> bool:
        return self.engine.stopped

    @property
    def failure(self) -> BaseException | None:
        return self.engine.failure

    def beat(self) -> float:
        return self.engine.beat()

    def stop(self) -> None:
        try:
            self.engine.stop()
        finally:
            if self.port_in is not None:
                self.port_in.close()
            self.output.close()


def start_live(request: LiveRequest) -> LiveSession:
    """Load the model, open the ports and start playing; RnnmusicError (ports closed again) when anything fails."""
    from rnnmusic.engine import GenerateOptions, Generator, load_model_file
    from rnnmusic.live import InternalClock, LiveConfig, LiveEngine, Meter, MidiClockFollower
    from rnnmusic.live.ports import open_input, open_output

    config = LiveConfig(mode=request.mode)
    meter = Meter.parse(request.meter)
    model = load_model_file(request.model)  # its own session: the Generate worker may be using the cached one
    options = GenerateOptions(temperature=request.temperature, top_p=request.top_p, key=request.key).with_seed()
    stream = Generator(model).open_stream(request.seed, options)
    stream.max_note_beats = config.max_note_beats
    if request.clock == "midi":
        clock = MidiClockFollower(meter, initial_bpm=request.bpm)
    else:
        clock = InternalClock(request.bpm, meter)
    needs_input = request.input is not None or request.mode == "call-response" or request.clock == "midi"
    output = open_output(request.output, request.api)
    port_in = None
    try:
        port_in = open_input(request.input, request.api) if needs_input else None
        engine = LiveEngine(stream, output, clock, config, input=port_in)
        engine.start()
    except BaseException:
        if port_in is not None:
            port_in.close()
        output.close()
        raise
    return LiveSession(engine, output, port_in)
