"""Benchmarks against the literature: polyphonic music NLL (`rnnmusic bench polyphonic`).

polyphonic_data (the four JSON datasets; frames as multi-hot rolls or polyphony tokens),
token_dataset (the benchmark in the pipeline's dataset format), frame_model and frame_trainer
(the 88-sigmoid ``bernoulli`` family), scoring (nats per frame under both protocols), run (train
on train, select on valid, score test, export), published (the literature's numbers), report,
plots and gradient_flow (tables and figures from finished runs).
"""
