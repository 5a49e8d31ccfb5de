"""The ONNX backends give the PyTorch model's vectors and token counts, without importing PyTorch."""

from __future__ import annotations

import json
import logging
import shutil
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


def _tiny(tiny_model_dir, cache, **changes):
    from search.embedding.encoder import Encoder
    from search.settings import Settings

    return Encoder.load(Settings(embedding_model=str(tiny_model_dir), model_dir=cache, _env_file=None, **changes))


def test_int8_runs_only_where_it_keeps_the_floor_and_says_why(tiny_model_dir, tmp_path, monkeypatch, caplog):
    """Where int8 drifts from fp32 on this CPU the fp32 model runs, the log says why (with the CPU's
    flags), and the verdict is measured once per CPU and export, then read back."""
    from search.embedding import onnx_model
    from search.embedding.parity import Parity

    monkeypatch.setattr(onnx_model, "measure", lambda *_: Parity(0.9953, 0.9914, 33))
    with caplog.at_level(logging.WARNING, logger="search.embedding.onnx_model"):
        encoder = _tiny(tiny_model_dir, tmp_path)
    runtime = encoder.runtime
    assert (runtime.backend, runtime.precision) == ("onnx-int8", "fp32")
    assert "0.9953 mean" in runtime.fallback and "under the floor 0.997" in runtime.fallback
    assert "fp32 model runs instead" in caplog.text and "int8 kernel" in caplog.text
    assert any(line.startswith("fallback: ") for line in runtime.lines())
    fp32 = _tiny(tiny_model_dir, tmp_path, encoder_backend=EncoderBackend.ONNX)
    assert np.allclose(encoder.encode_passages(TEXTS), fp32.encode_passages(TEXTS), atol=1e-6)

    def measured_again(*_):
        raise AssertionError("the verdict for this CPU was already measured")

    monkeypatch.setattr(onnx_model, "measure", measured_again)
    again = _tiny(tiny_model_dir, tmp_path)
    assert again.runtime.precision == "fp32" and again.runtime.parity == runtime.parity
    lower = _tiny(tiny_model_dir, tmp_path, int8_min_cosine=0.99)
    assert lower.runtime.precision == "int8" and lower.runtime.fallback is None
    assert not np.allclose(lower.encode_passages(TEXTS), fp32.encode_passages(TEXTS), atol=1e-6)


def test_the_int8_file_is_made_again_when_its_settings_change(tiny_model_dir, tmp_path):
    from search.embedding.onnx_model import PARITY_FILE, OnnxSentenceModel
    from search.embedding.quantization import Int8Export, recorded_export

    def load(export: Int8Export) -> OnnxSentenceModel:
        return OnnxSentenceModel.load(tiny_model_dir, quantized=True, cache_dir=tmp_path, export=export)

    def settings_in(model: OnnxSentenceModel) -> Int8Export | None:
        return recorded_export(model.session.get_modelmeta().custom_metadata_map)

    default, other = Int8Export(), Int8Export(reduce_range=False, fp32_ffn_outputs=())
    assert default.key() != other.key() and "7-bit" in default.describe() and "8-bit" in other.describe()
    assert settings_in(load(default)) == default
    (folder,) = tmp_path.iterdir()
    assert settings_in(load(other)) == other
    assert [p.name for p in folder.glob("model_int8-*.onnx")] == [other.file_name()]  # the stale one is gone
    # A file of the right name made with other settings (copied by hand, an older Vaksam) is made again.
    shutil.copy(folder / other.file_name(), folder / default.file_name())
    assert settings_in(load(default)) == default
    assert len(json.loads((folder / PARITY_FILE).read_text())) == 2  # one verdict per export on this CPU


def test_the_feed_forward_outputs_kept_in_fp32_are_found_by_layer():
    from search.embedding.quantization import Int8Export

    names = [
        "/m/encoder/layer.4/output/dense/MatMul",
        "/m/encoder/layer.4/attention/output/dense/MatMul",
        "/m/encoder/layer.4/intermediate/dense/MatMul",
        "/m/encoder/layer.14/output/dense/MatMul",
        "/m/encoder/layer.0/output/dense/MatMul",
    ]
    assert Int8Export(fp32_ffn_outputs=(0, 4)).excluded_nodes(names) == [names[0], names[4]]
    assert Int8Export(fp32_ffn_outputs=()).excluded_nodes(names) == []


@pytest.mark.parametrize(
    ("flags", "machine", "vnni", "kernel"),
    [
        ("fpu sse4_1 avx2 fma", "x86_64", False, "AVX2, pairs summed in 16 bits"),
        ("avx2 avx512f avx512bw", "x86_64", False, "AVX-512BW, pairs summed in 16 bits"),
        ("avx2 avx512f avx512bw avx512_vnni", "x86_64", True, "VNNI, 32-bit sums"),
        ("avx2 avx_vnni", "x86_64", True, "VNNI, 32-bit sums"),
        ("fp asimd asimddp", "aarch64", False, "Arm dot products, 32-bit sums"),
    ],
)
def test_the_cpu_flags_that_choose_the_int8_kernel(flags, machine, vnni, kernel):
    from search.embedding.cpu import CpuInfo

    key = "Features" if machine == "aarch64" else "flags"
    cpu = CpuInfo.from_cpuinfo(f"processor\t: 0\nmodel name\t: Some CPU\n{key}\t\t: {flags}\n", machine)
    assert cpu.vnni is vnni and cpu.int8_kernel == kernel and cpu.model == "Some CPU"
    assert set(cpu.flags) <= set(flags.split()) and kernel in cpu.describe()
    assert cpu.as_dict()["avx512"] is ("avx512f" in flags)


def test_parity_records_survive_a_folder_that_cannot_be_written(tmp_path):
    from search.embedding.parity import Parity, ParityRecords, cosines

    vectors = np.eye(3, dtype=np.float32)
    assert cosines(vectors, vectors) == Parity(1.0, 1.0, 3)
    records = ParityRecords(tmp_path / "int8_parity.json")
    records.put("cpu", Parity(0.998, 0.996, 33))
    assert records.get("cpu") == Parity(0.998, 0.996, 33) and records.get("other cpu") is None
    (tmp_path / "int8_parity.json").write_text("{broken")
    assert records.get("cpu") is None
    ParityRecords(tmp_path / "missing" / "int8_parity.json").put("cpu", Parity(1, 1, 1))  # no error
