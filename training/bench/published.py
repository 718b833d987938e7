"""Published test NLL on the four polyphonic datasets (nats per frame).

As ../shared/data/polyphonic/README.md lists them.

Kept as data so the CLI and the docs table compare against the same numbers. None: not reported.
"""

from __future__ import annotations

from rnnmusic.training.bench.polyphonic_data import DATASETS

# model -> NLL per dataset, in the order of DATASETS (JSB, Nottingham, MuseData, Piano-midi)
PUBLISHED: dict[str, tuple[float | None, ...]] = {
    "independent Bernoulli per key, add-one (measured, data README)": (11.06, 10.25, 11.51, 11.05),
    "per-key first-order Markov, add-one (measured, data README)": (10.47, 5.16, 8.56, 8.26),
    "tanh RNN (Chung et al. 2014)": (9.10, 3.13, 6.23, 9.03),
    "LSTM (Chung et al. 2014)": (8.67, 3.20, 6.23, 9.03),
    "GRU (Chung et al. 2014)": (8.54, 3.23, 5.99, 8.82),
    "LSTM (Bai et al. 2018)": (8.45, 3.29, None, None),
    "GRU (Bai et al. 2018)": (8.43, 3.46, None, None),
    "TCN (Bai et al. 2018)": (8.10, 3.07, None, None),
    "RNN-NADE, best (Boulanger-Lewandowski et al. 2012)": (5.19, 2.31, 5.60, 7.05),
}

#: issue 7's targets: bernoulli must beat Chung et al.'s best gated RNN, tokens the best RNN-NADE
TARGETS: dict[str, dict[str, float]] = {
    "bernoulli": {"jsb_chorales": 8.54, "nottingham": 3.13, "musedata": 5.99, "piano_midi": 8.82},
    "tokens": {name: nll for name, nll in zip(DATASETS, PUBLISHED["RNN-NADE, best (Boulanger-Lewandowski et al. 2012)"])
               if nll is not None},
}
