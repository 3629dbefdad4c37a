"""Write side: statements in, a cited-passage index out (``python -m ingest``)."""
