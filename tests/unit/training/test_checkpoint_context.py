"""A checkpoint written before timeline contexts existed still describes a token-only model."""

from __future__ import annotations

import json

from rnnmusic.training.checkpoint import checkpoint_config
from rnnmusic.training.config import TrainConfig


def test_a_config_saved_without_the_context_key_reads_as_no_context():
    saved = TrainConfig().to_dict()
    del saved["model"]["context"]  # what a run trained before format 2 of the model file saved
    assert checkpoint_config({"config": json.dumps(saved)}).model.context == "off"
    assert checkpoint_config({"config": TrainConfig().to_json()}).model.context == "auto"
