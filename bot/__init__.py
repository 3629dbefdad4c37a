"""Read side: questions in, cited answers out (``python -m bot``)."""
