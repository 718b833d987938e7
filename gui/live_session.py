"""Build and own one live run: the same pieces `rnnmusic live` puts together, from a LiveRequest.

The model's open-ended stream (:meth:`Generator.open_stream`), the ports, the clock
and :class:`~rnnmusic.live.LiveEngine` are the live engine's own; this module only
wires them in the order the CLI does and closes the ports after the engine stops
(the engine does not own its ports, the caller does). Between the engine and its
output sits a :class:`~rnnmusic.live.recording.RecordingOutput`, so the app can draw
and keep what was really played.
"""

from __future__ import annotations

import contextlib

from rnnmusic.engine.provenance import Provenance
from rnnmusic.gui.live_panel import LiveRequest
from rnnmusic.live.recording import RecordingOutput
from rnnmusic.notes import NoteSequence


class LiveSession:
    """A started LiveEngine plus what it plays through; ``stop`` ends every note, then closes the ports.

    ``ports`` is anything with ``close()``: the ExitStack holding the opened ports, or one port.
    ``recording`` keeps the notes played; ``record`` says how they were made (model and options).
    """

    def __init__(self, engine, ports, recording: RecordingOutput | None = None, record: Provenance | None = None,
                 model_path: str = ""):
        self.engine, self.ports = engine, ports
        self.recording, self.record, self.model_path = recording, record, model_path

    # what the live panel reads
    @property
    def clock(self):
        return self.engine.clock

    @property
    def stopped(self) -> bool:
        return self.engine.stopped

    @property
    def failure(self) -> BaseException | None:
        return self.engine.failure

    def beat(self) -> float:
        return self.engine.beat()

    def panic(self) -> None:
        self.engine.panic()

    def regenerate(self) -> None:
        self.engine.regenerate()

    def stop(self) -> None:
        try:
            self.engine.stop()
        finally:
            self.ports.close()
            if self.recording is not None:
                self.recording.close()  # its port is closed (and drained) already; this marks it closed too


def start_live(request: LiveRequest) -> LiveSession:
    """Load the model, open the ports and start playing; RnnmusicError (ports closed again) when anything fails."""
    from rnnmusic import __version__
    from rnnmusic.engine import GenerateOptions, Generator, load_model_file
    from rnnmusic.engine.provenance import seed_content_hash
    from rnnmusic.live import LiveConfig, LiveEngine
    from rnnmusic.live.setup import make_clock, needs_input, open_ports

    config = LiveConfig(mode=request.mode, regenerate_bars=float(request.new_bars))
    model = load_model_file(request.model)  # its own session: the Generate worker may be using the cached one
    options = GenerateOptions(temperature=request.temperature, top_p=request.top_p, key=request.key,
                              repetition=request.repetition).with_seed()
    stream = Generator(model).open_stream(request.seed, options, max_note_beats=config.max_note_beats)
    seed = request.seed if isinstance(request.seed, NoteSequence) else None
    clock = make_clock(request.clock, request.bpm, request.meter, seed)
    record = Provenance(model=model.name, model_hash=model.content_hash, options=stream.options,
                        seed_file=seed.source if seed is not None else "", rnnmusic_version=__version__,
                        seed_hash=seed_content_hash(seed), live=True)
    with contextlib.ExitStack() as ports:
        output, port_in = ports.enter_context(open_ports(
            request.output, request.input, request.api, None, needs_input(config, request.clock, request.input)))
        recording = RecordingOutput(output, clock)
        engine = LiveEngine(stream, recording, clock, config, input=port_in)
        engine.start()
        return LiveSession(engine, ports.pop_all(), recording, record, request.model)
