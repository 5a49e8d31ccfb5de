"""Shared fixtures: a tiny random sentence-transformers model and throwaway settings."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("UNSTRUCTURED_DISABLE_NOTICE", "1")
os.environ.setdefault("DO_NOT_TRACK", "true")

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CORPUS = ROOT / "data" / "corpus"

_TRAINING_TEXT = (CORPUS / "001_111830de3333ceff.txt").read_text(encoding="utf-8") + (
    CORPUS / "004_921a52af8c62d2a4.txt"
).read_text(encoding="utf-8")[:20000]


def build_tiny_model(folder: Path) -> Path:
    """A 2-layer, 32-dim BERT with a WordPiece vocabulary trained on corpus text: loads in a second."""
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import BertConfig, BertModel

    hf = folder / "hf"
    hf.mkdir(parents=True)
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True, strip_accents=False)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece()
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    trainer = trainers.WordPieceTrainer(vocab_size=2000, special_tokens=specials)
    tok.train_from_iterator(_TRAINING_TEXT.splitlines(), trainer)
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        special_tokens=[("[CLS]", tok.token_to_id("[CLS]")), ("[SEP]", tok.token_to_id("[SEP]"))],
    )
    tok.save(str(hf / "tokenizer.json"))
    (hf / "tokenizer_config.json").write_text(
        json.dumps(
            {
                "tokenizer_class": "PreTrainedTokenizerFast",
                "unk_token": "[UNK]",
                "pad_token": "[PAD]",
                "cls_token": "[CLS]",
                "sep_token": "[SEP]",
                "mask_token": "[MASK]",
                "model_max_length": 128,
            }
        )
    )
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=tok.get_vocab_size(),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
        pad_token_id=0,
    )
    BertModel(config).save_pretrained(str(hf))
    transformer = Transformer(str(hf), max_seq_length=128)
    st = SentenceTransformer(
        modules=[transformer, Pooling(transformer.get_embedding_dimension(), pooling_mode="mean"), Normalize()],
        prompts={"query": "query: ", "passage": "passage: "},
        device="cpu",
    )
    out = folder / "st"
    st.save(str(out))
    return out


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("tiny-model"))


@pytest.fixture(scope="session")
def tiny_encoder(tiny_model_dir, tmp_path_factory):
    """The tiny model on the default backend (ONNX int8, exported once per test session)."""
    from search.embedding.encoder import Encoder
    from search.settings import Settings

    cache = tmp_path_factory.mktemp("tiny-cache")
    return Encoder.load(Settings(embedding_model=str(tiny_model_dir), model_dir=cache, _env_file=None))


def tiny_settings(model: Path | str, root: Path, **changes):
    """Settings for the tiny model with the index, model cache, keys and uploads under ``root``."""
    from api.settings import ApiSettings

    paths = {
        "model_dir": root / "models",
        "qdrant_path": root / "index",
        "keys_file": root / "api-keys.json",
        "uploads_dir": root / "uploads",
    }
    return ApiSettings(**{"embedding_model": str(model), "passage_tokens": 64, **paths, **changes, "_env_file": None})


@pytest.fixture
def settings(tmp_path, tiny_model_dir):
    return tiny_settings(tiny_model_dir, tmp_path)


@pytest.fixture
def service(settings, tiny_encoder):
    from api.service import VaksamService

    svc = VaksamService(settings, encoder=tiny_encoder)
    yield svc
    svc.close()


ONE_DOCUMENT_TEXT = "Syftet med resan är att arbeta med våldsprevention utifrån en socioekologisk modell."


@pytest.fixture
def indexed(service, tmp_path):
    """The service with one small document ("Tjänsteresa till USA") indexed."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "resa.txt").write_text("Tjänsteresa till USA\n\n" + ONE_DOCUMENT_TEXT, encoding="utf-8")
    service.ingest([corpus], progress=False)
    return service
