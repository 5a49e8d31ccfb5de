"""The encoder on ONNX Runtime, fp32 or int8: exported from the local model folder, nothing downloaded.

sentence-transformers' own ONNX backend needs ``optimum-onnx``, which pins transformers < 4.58
(we run 5.x), so the export is done here with the same steps: ``torch.onnx.export`` of the
transformer (eager attention, so ONNX Runtime can fuse it), ONNX Runtime's BERT graph fusions,
then, for int8, the quantisation ``search/embedding/quantization.py`` describes. Pooling and
normalisation are read from the sentence-transformers folder and applied in NumPy.

The int8 model runs only where its vectors keep the parity floor to fp32's on this CPU
(``search/embedding/parity.py``, checked once per CPU); elsewhere the fp32 model runs and the log,
``vaksam model`` and ``/healthz`` say so. Speed and quality per CPU: ``benchmarks/README.md``.

Usage::

    model = OnnxSentenceModel.load(Path("~/.cache/vaksam/models/multilingual-e5-small"), quantized=True,
                                   cache_dir=Path("~/.cache/vaksam/onnx"))
    vectors = model.encode(["Våld i nära relationer"], prompt_name="passage", normalize_embeddings=True)
    model.runtime.precision  # "int8", or "fp32" where int8 drifts on this CPU
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from search.embedding.cpu import CpuInfo
from search.embedding.parity import PARITY_FLOOR, Parity, ParityRecords, measure, sample
from search.embedding.quantization import Int8Export, quantize, recorded_export
from search.embedding.runtime import EncoderRuntime

log = logging.getLogger(__name__)

EXPORT_VERSION = "2"  # bump when the fp32 export steps change, so cached files are rebuilt
FP32_FILE = "model.onnx"
PARITY_FILE = "int8_parity.json"
POOLING_MODES = ("mean", "cls")


class OnnxExportError(RuntimeError):
    """The model folder cannot be exported or run with ONNX Runtime; the message says why."""


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def _pooling(folder: Path) -> tuple[str, bool]:
    """Pooling mode and whether the model normalises, from the sentence-transformers modules."""
    modules = _read_json(folder / "modules.json") or []
    mode, normalize = "mean", False
    for module in modules:
        kind = module.get("type", "")
        if kind.endswith("Pooling"):
            config = _read_json(folder / module.get("path", "") / "config.json")
            mode = config.get("pooling_mode") or next(
                (
                    m
                    for m in POOLING_MODES
                    if config.get(f"pooling_mode_{m}_tokens" if m == "mean" else "pooling_mode_cls_token")
                ),
                "mean",
            )
        elif kind.endswith("Normalize"):
            normalize = True
    if mode not in POOLING_MODES:
        raise OnnxExportError(
            f"pooling {mode!r} is not supported by the ONNX backend (only {', '.join(POOLING_MODES)})"
        )
    return mode, normalize


def _cache_key(folder: Path) -> str:
    weights = next((folder / n for n in ("model.safetensors", "pytorch_model.bin") if (folder / n).exists()), None)
    if weights is None:
        raise OnnxExportError(f"{folder} has no model.safetensors or pytorch_model.bin to export")
    stat = weights.stat()
    raw = f"{folder.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{EXPORT_VERSION}"
    return hashlib.sha1(raw.encode()).hexdigest()[:16]


def export_onnx(folder: Path, target: Path) -> Path:
    """Write the fused fp32 ``model.onnx`` into ``target``; returns the file."""
    import torch
    from onnxruntime.transformers.optimizer import optimize_model
    from transformers import AutoConfig, AutoModel

    config = AutoConfig.from_pretrained(folder, local_files_only=True)
    model = AutoModel.from_pretrained(folder, local_files_only=True, attn_implementation="eager").eval()

    class LastHiddenState(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.inner(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target) as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer's notes on constant shapes, expected for this graph
        raw = Path(tmp) / "raw.onnx"
        ids = torch.ones((2, 8), dtype=torch.long)
        axes = {0: "batch", 1: "tokens"}
        torch.onnx.export(
            LastHiddenState(model),
            (ids, torch.ones_like(ids)),
            str(raw),
            input_names=["input_ids", "attention_mask"],
            output_names=["last_hidden_state"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "last_hidden_state": axes},
            opset_version=17,
            dynamo=False,  # the dynamo exporter needs onnxscript and gives a graph ORT fuses less
        )
        fused = Path(tmp) / FP32_FILE
        optimize_model(
            str(raw),
            model_type="bert",
            num_heads=int(config.num_attention_heads),
            hidden_size=int(config.hidden_size),
            opt_level=1,
        ).save_model_to_file(str(fused))
        os.replace(fused, target / FP32_FILE)  # atomic: a crash never leaves half a model to load
    return target / FP32_FILE


def quantize_onnx(fp32: Path, export: Int8Export) -> Path:
    """Write the int8 model of ``fp32`` beside it (atomically) and drop int8 files of other settings."""
    target = fp32.parent / export.file_name()
    with tempfile.TemporaryDirectory(dir=fp32.parent) as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        made = quantize(fp32, Path(tmp) / target.name, export)
        os.replace(made, target)
    for stale in fp32.parent.glob("model_int8-*.onnx"):
        if stale != target:
            stale.unlink(missing_ok=True)
    return target


class LeanTokenizer:
    """The model's ``tokenizer.json`` through the ``tokenizers`` library alone.

    Loading the tokenizer with transformers imports PyTorch: ~650 MB more RSS in the API process.
    Thread-safe: truncation and padding are done per call, never set on the shared tokenizer.
    Called like a transformers tokenizer for what the encoder needs: ``tok(texts)["input_ids"]``.
    """

    thread_safe = True

    def __init__(self, tokenizer, pad_id: int, model_max_length: int) -> None:
        self._tokenizer = tokenizer
        self.pad_id = pad_id
        self.model_max_length = model_max_length
        self._specials = tokenizer.num_special_tokens_to_add(False)

    @classmethod
    def from_folder(cls, folder: Path) -> LeanTokenizer:
        from tokenizers import Tokenizer

        path = folder / "tokenizer.json"
        if not path.is_file():
            raise OnnxExportError(f"{folder} has no tokenizer.json (a fast tokenizer) for the ONNX backend")
        tokenizer = Tokenizer.from_file(str(path))
        tokenizer.no_padding()
        tokenizer.no_truncation()
        config = _read_json(folder / "tokenizer_config.json")
        pad = tokenizer.token_to_id(config.get("pad_token") or "<pad>")
        return cls(tokenizer, pad if pad is not None else 0, int(config.get("model_max_length") or 512))

    def lengths(self, texts: list[str]) -> list[int]:
        """Token counts with special tokens, for sizing passages: ``encode_batch_fast`` skips
        the character offsets and the count needs no post-processing (17% less time over the
        17k sentences of the real corpus, the same counts)."""
        encodings = self._tokenizer.encode_batch_fast(list(texts), add_special_tokens=False)
        return [len(e.ids) + self._specials for e in encodings]

    def _encode(self, texts: list[str], add_special_tokens: bool, max_length: int | None) -> list:
        encodings = self._tokenizer.encode_batch(list(texts), add_special_tokens=False)
        out = []
        for encoding in encodings:
            if max_length is not None:
                encoding.truncate(max_length - (self._specials if add_special_tokens else 0))
            out.append(self._tokenizer.post_process(encoding) if add_special_tokens else encoding)
        return out

    def __call__(
        self,
        texts: str | list[str],
        *,
        add_special_tokens: bool = True,
        truncation: bool = False,
        max_length: int | None = None,
        padding: bool = False,
        return_tensors: str | None = None,
    ) -> dict:
        single = isinstance(texts, str)
        batch = [texts] if isinstance(texts, str) else texts
        encodings = self._encode(batch, add_special_tokens, max_length if truncation else None)
        ids = [e.ids for e in encodings]
        if not padding and return_tensors is None:
            return {"input_ids": ids[0] if single else ids}
        width = max((len(i) for i in ids), default=0)
        input_ids = np.full((len(ids), width), self.pad_id, dtype=np.int64)
        mask = np.zeros((len(ids), width), dtype=np.int64)
        for row, seq in enumerate(ids):
            input_ids[row, : len(seq)] = seq
            mask[row, : len(seq)] = 1
        return {"input_ids": input_ids, "attention_mask": mask}


def fp32_export(folder: Path, cache_dir: Path) -> Path:
    """The fused fp32 model of ``folder`` in its folder under ``cache_dir``, exported on first use."""
    _pooling(folder)  # an unsupported pooling fails before a minute of export
    target = cache_dir / f"{folder.name}-{_cache_key(folder)}"
    path = target / FP32_FILE
    if path.exists():
        return path
    log.info("exporting %s to ONNX (once) into %s", folder, target)
    try:
        return export_onnx(folder, target)
    except Exception as exc:  # noqa: BLE001 - any exporter failure gets the same advice
        raise OnnxExportError(
            f"exporting {folder} to ONNX failed ({exc}); set VAKSAM_ENCODER_BACKEND=torch to run it as is"
        ) from exc


def _session_options(threads: int | None):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or (os.cpu_count() or 1)
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    # No memory arena: the arena kept ~100 MB after the first batch; without it the memory goes
    # back after each call and a batch of 16 passages ran as fast (405 vs 381 ms, within noise).
    options.enable_cpu_mem_arena = False
    return options


def _session(path: Path, options):
    import onnxruntime as ort

    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def _int8_session(fp32: Path, export: Int8Export, options):
    """The int8 model made with ``export``'s settings: quantised on first use, and again when the
    cached file does not carry these settings (an older or foreign file of the same name)."""
    path = fp32.parent / export.file_name()
    if path.exists():
        session = _session(path, options)
        if recorded_export(session.get_modelmeta().custom_metadata_map) == export:
            return session
        log.info("%s was made with other int8 settings; quantising it again", path)
        del session
    log.info("quantising %s to int8 (once): %s", fp32, export.describe())
    try:
        quantize_onnx(fp32, export)
    except Exception as exc:  # noqa: BLE001 - any quantiser failure gets the same advice
        raise OnnxExportError(
            f"quantising {fp32} to int8 failed ({exc}); set VAKSAM_ENCODER_BACKEND=onnx to run fp32"
        ) from exc
    return _session(path, options)


def _parity_signature(export: Int8Export) -> str:
    """What the int8 vectors depend on besides the model: the CPU's kernel, ONNX Runtime, the export."""
    import onnxruntime as ort

    cpu = CpuInfo.detect()
    return f"{cpu.model}|{cpu.machine}|{' '.join(cpu.flags)}|onnxruntime {ort.__version__}|int8 {export.key()}"


def _int8_parity(int8: OnnxSentenceModel, fp32_path: Path, export: Int8Export, options) -> Parity:
    """The int8 model's parity to fp32 on this CPU: remembered, or measured on the packaged sample."""
    records = ParityRecords(fp32_path.parent / PARITY_FILE)
    signature = _parity_signature(export)
    known = records.get(signature)
    if known is not None:
        return known
    log.info("checking the int8 encoder against fp32 on this CPU (once): %s", CpuInfo.detect().describe())
    fp32 = int8.with_session(_session(fp32_path, options), EncoderRuntime("onnx", "fp32"))
    parity = measure(int8, fp32, *sample())
    del fp32  # the fp32 session's memory goes back before serving starts
    records.put(signature, parity)
    log.info("int8 parity on this CPU: %s", parity.describe())
    return parity


class OnnxSentenceModel:
    """The slice of ``SentenceTransformer`` the encoder uses, run by ONNX Runtime."""

    def __init__(
        self,
        session,
        tokenizer,
        *,
        pooling: str,
        normalize: bool,
        max_seq_length: int,
        prompts: dict,
        dimension: int,
        runtime: EncoderRuntime | None = None,
    ) -> None:
        self.session = session
        self.tokenizer = tokenizer
        self.pooling = pooling
        self.normalize = normalize
        self.max_seq_length = max_seq_length
        self.prompts = prompts
        self._dimension = dimension
        self.runtime = runtime or EncoderRuntime(backend="onnx", precision="fp32")

    @classmethod
    def load(
        cls,
        folder: Path,
        *,
        quantized: bool,
        cache_dir: Path,
        threads: int | None = None,
        export: Int8Export | None = None,
        min_cosine: float = PARITY_FLOOR,
    ) -> OnnxSentenceModel:
        """Export on first use (about a minute for e5-small), then load the cached file. With
        ``quantized``, the int8 model runs where it keeps ``min_cosine`` to fp32 on this CPU (checked
        once per CPU, a few seconds), the fp32 model elsewhere."""
        folder = Path(folder).expanduser()
        if not folder.is_dir():
            raise OnnxExportError(f"the ONNX backend needs a local model folder, not {folder}")
        fp32_path = fp32_export(folder, Path(cache_dir).expanduser())
        options = _session_options(threads)
        if not quantized:
            return cls._from_session(folder, _session(fp32_path, options), EncoderRuntime("onnx", "fp32"))
        export = export or Int8Export()
        int8 = cls._from_session(folder, _int8_session(fp32_path, export, options), EncoderRuntime("onnx-int8", "int8"))
        parity = _int8_parity(int8, fp32_path, export, options)
        runtime = EncoderRuntime(
            "onnx-int8", "int8", quantization=export.describe(), parity=parity, parity_floor=min_cosine
        )
        if parity.holds(min_cosine):
            int8.runtime = runtime
            return int8
        reason = (
            f"int8 vectors reach {parity.describe()} on this CPU, under the floor {min_cosine:.3f}; "
            f"the fp32 model runs instead (about half the speed, the reference quality)"
        )
        log.warning("%s [%s]", reason, runtime.cpu.describe())
        fallback = dataclasses.replace(runtime, precision="fp32", fallback=reason)
        return int8.with_session(_session(fp32_path, options), fallback)

    def with_session(self, session, runtime: EncoderRuntime) -> OnnxSentenceModel:
        """The same tokenizer, pooling and prompts over another session of the same model."""
        return OnnxSentenceModel(
            session,
            self.tokenizer,
            pooling=self.pooling,
            normalize=self.normalize,
            max_seq_length=self.max_seq_length,
            prompts=self.prompts,
            dimension=self._dimension,
            runtime=runtime,
        )

    @classmethod
    def from_file(cls, folder: Path, path: Path, *, threads: int | None = None) -> OnnxSentenceModel:
        """One exported file of ``folder``'s model as it is, with no parity check (for benchmarks)."""
        return cls._from_session(folder, _session(path, _session_options(threads)), EncoderRuntime("onnx", "fp32"))

    @classmethod
    def _from_session(cls, folder: Path, session, runtime: EncoderRuntime) -> OnnxSentenceModel:
        pooling, normalize = _pooling(folder)
        st_config = _read_json(folder / "sentence_bert_config.json")
        tokenizer = LeanTokenizer.from_folder(folder)
        max_len = int(st_config.get("max_seq_length") or min(tokenizer.model_max_length, 512))
        prompts = _read_json(folder / "config_sentence_transformers.json").get("prompts") or {}
        dimension = int(_read_json(folder / "config.json").get("hidden_size", 0))
        return cls(
            session,
            tokenizer,
            pooling=pooling,
            normalize=normalize,
            max_seq_length=max_len,
            prompts=prompts,
            dimension=dimension,
            runtime=runtime,
        )

    def get_embedding_dimension(self) -> int:
        return self._dimension

    def _hidden_states(
        self, texts: list[str], prompt_name: str | None, batch_size: int, *, longest_first: bool
    ) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """``(rows, last hidden state, attention mask)`` per batch, ``rows`` indexing ``texts``.
        ``longest_first`` batches similar lengths together so they pad little, as sentence-transformers
        does; int8 activations are quantized per batch, so the batching shows in the vectors."""
        prompt = self.prompts.get(prompt_name, "") if prompt_name else ""
        texts = [prompt + t for t in texts]
        order = np.argsort([-len(t) for t in texts], kind="stable") if longest_first else np.arange(len(texts))
        for start in range(0, len(texts), batch_size):
            rows = order[start : start + batch_size]
            batch = self.tokenizer(
                [texts[i] for i in rows],
                padding=True,
                truncation=True,
                max_length=self.max_seq_length,
                return_tensors="np",
            )
            mask = batch["attention_mask"]
            hidden = self.session.run(None, {"input_ids": batch["input_ids"], "attention_mask": mask})[0]
            yield rows, hidden, mask

    def token_embeddings(
        self, texts: list[str], *, prompt_name: str | None = None, batch_size: int = 16
    ) -> list[np.ndarray]:
        """Each text's last hidden state, one row per token it has (prompt and marks included), as
        ``SentenceTransformer.encode(output_value="token_embeddings")`` gives it. Batched in the
        given order, as the late-interaction numbers in benchmarks/README.md were measured."""
        out: list[np.ndarray] = [np.zeros((0, self._dimension), dtype=np.float32)] * len(texts)
        for rows, hidden, mask in self._hidden_states(texts, prompt_name, batch_size, longest_first=False):
            for row, states, m in zip(rows, hidden, mask, strict=True):
                out[row] = states[: int(m.sum())]
        return out

    def encode(
        self,
        texts: list[str],
        *,
        prompt_name: str | None = None,
        batch_size: int = 16,
        normalize_embeddings: bool = True,
        convert_to_numpy: bool = True,  # noqa: ARG002 - sentence-transformers' signature
        show_progress_bar: bool = False,  # noqa: ARG002
    ) -> np.ndarray:
        out = np.zeros((len(texts), self._dimension), dtype=np.float32)
        for rows, hidden, mask in self._hidden_states(texts, prompt_name, batch_size, longest_first=True):
            if self.pooling == "cls":
                vectors = hidden[:, 0]
            else:
                weights = mask[..., None].astype(np.float32)
                vectors = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
            out[rows] = vectors
        if normalize_embeddings or self.normalize:
            out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out
