"""Benchmarks against the literature.

polyphonic_data (the four JSON datasets, frames as multi-hot rolls or polyphony tokens),
frame_model (the 88-sigmoid ``bernoulli`` family), scoring (nats per frame under both
protocols), run (train on train, select on valid, score test, export).
"""
