"""Property tests every encoding and config obeys (hypothesis over generated NoteSequences).

Tolerance: decoded and normalised times are computed by the same formula from the same
integers (grid steps through the template's StepGrid, or shift counts times the shift), so
they agree exactly; 1e-6 s (a thousandth of a millisecond, far below one MIDI tick) only
leaves room for float rounding should the two paths ever be computed differently.
"""

from __future__ import annotations

import numpy as np
import pytest
from encoding_strategies import CONFIG_IDS, CONFIGS, EXAMPLES, encoding, note_sequences, valid_walks
from hypothesis import given
from hypothesis import strategies as st

TOLERANCE = 1e-6

pytestmark = pytest.mark.parametrize(("name", "config"), CONFIGS, ids=CONFIG_IDS)


@EXAMPLES
@given(data=st.data())
def test_decode_encode_is_normalize_and_follows_the_table(name, config, data):
    enc = encoding(name, config)
    seq = data.draw(note_sequences(drum_share=0.9 if name == "drums" else None))
    report = enc.encode_report(seq)
    assert report.ids.dtype == np.int32
    assert enc.is_valid(report.ids), "the follow table must accept every encoded sequence"
    assert report.dropped_total <= len(seq)
    assert all(count > 0 for count in report.dropped.values())
    decoded = enc.decode(report.ids, template=seq)
    normal = enc.normalize(seq)
    assert decoded.same_music(normal, tolerance=TOLERANCE)
    # the template lends its tempo map, meters, keys and source
    assert decoded.tempos == seq.tempos
    assert decoded.time_signatures == seq.time_signatures
    assert decoded.key_signatures == seq.key_signatures
    assert decoded.source == seq.source
    # a leading bos changes nothing
    with_bos = enc.decode(np.concatenate([[0], report.ids]), template=seq)
    assert with_bos.same_music(decoded, tolerance=0.0)


@EXAMPLES
@given(data=st.data())
def test_normalize_is_idempotent_and_loses_nothing_more(name, config, data):
    enc = encoding(name, config)
    seq = data.draw(note_sequences(drum_share=0.9 if name == "drums" else None))
    normal = enc.normalize(seq)
    assert enc.normalize(normal).same_music(normal, tolerance=TOLERANCE)
    again = enc.encode_report(normal)
    assert again.dropped == {}, "what normalize keeps must be representable without drops"
    assert np.array_equal(again.ids, enc.encode(seq))


@EXAMPLES
@given(data=st.data())
def test_any_valid_token_sequence_decodes_to_normal_music(name, config, data):
    enc = encoding(name, config)
    ids = data.draw(valid_walks(enc))
    assert enc.is_valid(ids)
    decoded = enc.decode(ids)
    assert decoded.qpm == 120.0
    assert enc.normalize(decoded).same_music(decoded, tolerance=TOLERANCE)
    assert enc.encode_report(decoded).dropped == {}


@EXAMPLES
@given(data=st.data())
def test_time_advance_matches_the_decoded_length(name, config, data):
    enc = encoding(name, config)
    ids = np.asarray(data.draw(valid_walks(enc)), dtype=np.int64)
    decoded = enc.decode(ids)
    advance = float(enc.time_advance[ids].sum()) if len(ids) else 0.0
    if enc.uses_grid:
        spq = enc.config.steps_per_quarter
        advance = advance / spq * 0.5  # 120 qpm without a template
        if name == "polyphony" and len(ids) and ids[-1] != 1:
            advance += 0.5 / spq  # pitch tokens after the last step_end form a last step
    if len(decoded):
        assert decoded.notes["end"].max() <= advance + TOLERANCE
