"""The ONNX backends give the PyTorch model's vectors and token counts, without importing PyTorch."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from search.modes import EncoderBackend

TEXTS = [
    "Våld i nära relationer är ett folkhälsoproblem.",
    "Kommunen har infört MVP i skolan sedan 2019 och utbildat 57 personer.",
    "kort",
    "Trygghetsvandringar i Alby och Fittja. " * 40,  # longer than the tiny model's window: truncated
]


@pytest.fixture(scope="module")
def encoders(tiny_model_dir, tmp_path_factory):
    from search.embedding.encoder import Encoder
    from search.settings import Settings

    cache = tmp_path_factory.mktemp("onnx-cache")
    return {
        backend: Encoder.load(
            Settings(embedding_model=str(tiny_model_dir), model_dir=cache, encoder_backend=backend, _env_file=None)
        )
        for backend in EncoderBackend
    }


def test_token_counts_are_the_same_on_every_backend(encoders):
    torch_encoder = encoders[EncoderBackend.TORCH]
    for backend in (EncoderBackend.ONNX, EncoderBackend.ONNX_INT8):
        assert encoders[backend].token_lengths(TEXTS) == torch_encoder.token_lengths(TEXTS)
        assert encoders[backend].count_tokens(TEXTS[1], passage=False) == torch_encoder.count_tokens(
            TEXTS[1], passage=False
        )
        assert encoders[backend].max_tokens == torch_encoder.max_tokens
        assert encoders[backend].dimension == torch_encoder.dimension


def test_onnx_vectors_match_pytorch(encoders):
    reference = encoders[EncoderBackend.TORCH].encode_passages(TEXTS)
    fp32 = encoders[EncoderBackend.ONNX].encode_passages(TEXTS)
    int8 = encoders[EncoderBackend.ONNX_INT8].encode_passages(TEXTS)
    assert fp32.shape == reference.shape and np.allclose(np.linalg.norm(int8, axis=1), 1, atol=1e-4)
    assert np.min(np.sum(fp32 * reference, axis=1)) > 0.9999
    assert np.min(np.sum(int8 * reference, axis=1)) > 0.98  # int8 weights: close, not equal
    query = encoders[EncoderBackend.ONNX].encode_query(TEXTS[0])
    assert float(query @ encoders[EncoderBackend.TORCH].encode_query(TEXTS[0])) > 0.9999


def test_the_onnx_encoder_never_imports_pytorch(tiny_model_dir, tmp_path):
    """The API process stays small: ONNX Runtime and tokenizers only (the export itself needs torch)."""
    from search.embedding.encoder import Encoder
    from search.settings import Settings

    settings = Settings(embedding_model=str(tiny_model_dir), model_dir=tmp_path, _env_file=None)
    Encoder.load(settings)  # exports once, in this process
    code = (
        "import sys; from search.embedding.encoder import Encoder; from search.settings import Settings; "
        f"e = Encoder.load(Settings(embedding_model={str(tiny_model_dir)!r}, model_dir={str(tmp_path)!r}, "
        "_env_file=None)); e.encode_query('hej'); print('torch' in sys.modules, 'transformers' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_a_folder_that_cannot_be_exported_says_what_to_do(tmp_path):
    from search.embedding.onnx_model import OnnxExportError, OnnxSentenceModel

    (tmp_path / "m").mkdir()
    with pytest.raises(OnnxExportError, match="model.safetensors"):
        OnnxSentenceModel.load(tmp_path / "m", quantized=True, cache_dir=tmp_path / "cache")


def test_token_vectors_are_a_texts_own_tokens_on_every_backend(encoders):
    """Late interaction reads one unit vector per token of the text itself: not the prompt, not the
    start and end marks, the same rows on every backend."""
    torch_encoder = encoders[EncoderBackend.TORCH]
    own = torch_encoder.model.tokenizer(TEXTS[1], add_special_tokens=False)["input_ids"]
    reference = torch_encoder.token_vectors(TEXTS)
    assert reference[1].shape == (len(own), torch_encoder.dimension)
    assert torch_encoder.token_vectors([TEXTS[1]], passage=False)[0].shape == reference[1].shape
    for backend in (EncoderBackend.ONNX, EncoderBackend.ONNX_INT8):
        found = encoders[backend].token_vectors(TEXTS)
        assert [t.shape for t in found] == [t.shape for t in reference]
        assert np.allclose(np.linalg.norm(found[0], axis=1), 1, atol=1e-4)
        assert np.min(np.sum(found[0] * reference[0], axis=1)) > (0.9999 if backend is EncoderBackend.ONNX else 0.95)
    assert torch_encoder.token_vectors([]) == []
    assert len(torch_encoder.token_vectors([""])[0]) > 0  # nothing of its own: the marks stand in


def test_token_vectors_one_text_a_batch_are_each_texts_own(encoders):
    """One text a batch pads nothing: the same rows, and on int8 the same numbers whatever the text
    is encoded with (its activations are quantized on its own)."""
    int8 = encoders[EncoderBackend.ONNX_INT8]
    batched = int8.token_vectors(TEXTS)
    alone = int8.token_vectors(TEXTS, batch_size=1)
    assert [t.shape for t in alone] == [t.shape for t in batched]
    assert np.min(np.sum(alone[0] * batched[0], axis=1)) > 0.95
    assert np.array_equal(int8.token_vectors(TEXTS[::-1], batch_size=1)[-1], alone[0])
