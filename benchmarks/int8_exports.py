"""Int8 exports side by side: cosine to fp32 and passages per second on this CPU, and on an emulated
AVX2-only CPU (QEMU), so each export is judged on both of ONNX Runtime's int8 kernel paths.

The sample is the issue's: the bundled report's first 64 passages as ingest cuts them and the 24 dev
questions (``--sample packaged`` takes the runtime check's own sample instead). Each export is made
from the same fused fp32 graph the product exports, into ``--work``. ``--emulate Haswell`` embeds
again under ``qemu-x86_64 -cpu Haswell`` (``apt-get install qemu-user``): AVX2 and FMA, no AVX-512 and
no VNNI, the kernel that sums u8 x s8 pairs in 16 bits; it takes minutes per export.

Usage::

    .venv/bin/python -m benchmarks.int8_exports
    .venv/bin/python -m benchmarks.int8_exports --exports before chosen --emulate Haswell
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from search.embedding.cpu import CpuInfo
from search.embedding.onnx_model import OnnxSentenceModel, fp32_export, quantize_onnx
from search.embedding.parity import cosines, sample
from search.embedding.quantization import Int8Export
from search.embedding.resolve import resolve_model
from search.settings import Settings

EXPORTS = {
    "before": Int8Export(reduce_range=False, fp32_ffn_outputs=()),  # the export until issue 39
    "per-tensor": Int8Export(per_channel=False, reduce_range=False, fp32_ffn_outputs=()),
    "7-bit": Int8Export(fp32_ffn_outputs=()),
    "7-bit-ffn4": Int8Export(fp32_ffn_outputs=(4,)),
    "chosen": Int8Export(),
    "8-bit-ffn045": Int8Export(reduce_range=False),
    "7-bit-all-ffn": Int8Export(fp32_ffn_outputs=tuple(range(12))),
}
REPORT = "data/corpus/004_921a52af8c62d2a4.txt"


def bundled_sample(settings: Settings) -> tuple[list[str], list[str]]:
    """The bundled report's first 64 passages as ingest cuts them, and the dev questions."""
    from ingest.chunking import chunk_document
    from ingest.cleaning import clean_document
    from ingest.parsing import parse_file
    from search.embedding.encoder import Encoder

    encoder = Encoder.load(settings)
    parsed = parse_file(Path(REPORT))
    clean_document(parsed)
    _, chunks = chunk_document(parsed, encoder.token_lengths, settings.passage_tokens, encoder.max_tokens)
    lines = Path("../shared/eval/dev_queries.jsonl").read_text(encoding="utf-8").splitlines()
    return [c.text for c in chunks][:64], [json.loads(line)["query"] for line in lines]


def embed(model: OnnxSentenceModel, passages: list[str], questions: list[str]) -> np.ndarray:
    """Passages in batches of 8 (ingest's), each question alone (a search's)."""
    return np.vstack(
        [
            model.encode(passages, prompt_name="passage", batch_size=8),
            *(model.encode([q], prompt_name="query") for q in questions),
        ]
    )


def speed(models: dict[str, OnnxSentenceModel], passages: list[str], rounds: int) -> dict[str, float]:
    """Passages per second, the median of ``rounds`` runs taken in turn so drift hits every model alike."""
    times: dict[str, list[float]] = {name: [] for name in models}
    for model in models.values():
        model.encode(passages[:8], prompt_name="passage", batch_size=8)
    for _ in range(rounds):
        for name, model in models.items():
            started = time.perf_counter()
            model.encode(passages, prompt_name="passage", batch_size=8)
            times[name].append(time.perf_counter() - started)
    return {name: len(passages) / statistics.median(t) for name, t in times.items()}


def embed_command(args: argparse.Namespace) -> None:
    """The child run under QEMU: embed the sample with one file, write the vectors."""
    data = json.loads(Path(args.sample_file).read_text(encoding="utf-8"))
    model = OnnxSentenceModel.from_file(Path(args.folder), Path(args.model), threads=args.threads)
    np.save(args.out, embed(model, data["passages"], data["questions"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exports", nargs="+", default=list(EXPORTS), choices=list(EXPORTS))
    parser.add_argument("--sample", choices=("bundled", "packaged"), default="bundled")
    parser.add_argument("--emulate", metavar="QEMU_CPU", help="also embed under qemu-x86_64 -cpu QEMU_CPU")
    parser.add_argument("--rounds", type=int, default=5, help="speed runs per export (0: no speed)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--work", type=Path, default=Path("/tmp/vaksam-int8-exports"))
    sub = parser.add_subparsers(dest="command")
    child = sub.add_parser("embed")
    for name in ("--folder", "--model", "--sample-file", "--out"):
        child.add_argument(name, required=True)
    args = parser.parse_args()
    if args.command == "embed":
        embed_command(args)
        return

    settings = Settings(_env_file=None)
    folder = Path(resolve_model(settings.embedding_model, settings.model_dir))
    fp32_path = fp32_export(folder, settings.model_dir / "onnx")
    passages, questions = bundled_sample(settings) if args.sample == "bundled" else sample()
    work = args.work
    work.mkdir(parents=True, exist_ok=True)
    sample_file = work / "sample.json"
    sample_file.write_text(json.dumps({"passages": passages, "questions": questions}, ensure_ascii=False))
    files = {"fp32": fp32_path}
    for name in args.exports:
        made = work / name / EXPORTS[name].file_name()
        if not made.exists():
            (work / name).mkdir(exist_ok=True)
            shutil.copy(fp32_path, work / name / "model.onnx")
            quantize_onnx(work / name / "model.onnx", EXPORTS[name])
            (work / name / "model.onnx").unlink()
        files[name] = made

    print(f"cpu: {CpuInfo.detect().describe()}")
    print(f"sample: {len(passages)} passages, {len(questions)} questions ({args.sample})")
    models = {name: OnnxSentenceModel.from_file(folder, path, threads=args.threads) for name, path in files.items()}
    reference = embed(models["fp32"], passages, questions)
    rates = speed(models, passages, args.rounds) if args.rounds else {}
    emulated: dict[str, np.ndarray] = {}
    if args.emulate:
        for name, path in files.items():
            if name == "fp32":
                continue  # the reference stays this CPU's fp32: fp32 kernels differ by rounding alone
            out = work / f"{name}-{args.emulate}.npy"
            command = ["qemu-x86_64", "-cpu", args.emulate, sys.executable, "-m", "benchmarks.int8_exports"]
            command += ["embed", "--folder", str(folder), "--model", str(path)]
            command += ["--sample-file", str(sample_file), "--out", str(out)]
            subprocess.run(command, check=True, stderr=subprocess.DEVNULL)
            emulated[name] = np.load(out)
    header = f"{'export':15}{'cosine mean':>12}{'min':>8}"
    header += f"{args.emulate + ' mean':>14}{'min':>8}" if args.emulate else ""
    header += f"{'passages/s':>12}{'vs fp32':>9}" if rates else ""
    print(header)
    for name, model in models.items():
        parity = cosines(embed(model, passages, questions), reference)
        row = f"{name:15}{parity.mean:>12.5f}{parity.minimum:>8.5f}"
        if args.emulate:
            far = cosines(emulated.get(name, reference), reference)
            row += f"{far.mean:>14.5f}{far.minimum:>8.5f}"
        if rates:
            row += f"{rates[name]:>12.1f}{rates[name] / rates['fp32']:>8.2f}x"
        print(row, flush=True)
    for name in args.exports:
        print(f"  {name}: {EXPORTS[name].describe()}")


if __name__ == "__main__":
    main()
