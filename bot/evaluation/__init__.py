"""Evaluation: a JSONL test set, the bot's own engine, metrics against a committed baseline.

``python -m bot eval eval/testset.jsonl`` for the curated questions,
``python -m bot eval --beir DIR`` for retrieval benchmarks.
The format is described in docs/evaluation.md.
"""
