"""The deployment files name only settings that exist, so a renamed setting cannot rot them silently."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from api.settings import ApiSettings

ROOT = Path(__file__).resolve().parents[2]


def _read_by_code() -> set[str]:
    """Variables the code reads itself (os.environ, typer envvar=): quoted names in the sources."""
    names: set[str] = set()
    for folder in ("api", "ingest", "search"):
        for path in (ROOT / folder).rglob("*.py"):
            names.update(re.findall(r"[\"'](VAKSAM_[A-Z_]+)[\"']", path.read_text(encoding="utf-8")))
    return names


READ_BY_CODE = _read_by_code()


def _known(name: str) -> bool:
    return name.removeprefix("VAKSAM_").lower() in ApiSettings.model_fields or name in READ_BY_CODE


def test_compose_file_runs_vaksam_against_qdrant_with_real_settings():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert {"qdrant", "vaksam"} <= set(services)
    assert services["qdrant"]["image"].startswith("qdrant/qdrant:v")  # pinned, never :latest
    env = services["vaksam"]["environment"]
    assert env["VAKSAM_QDRANT_URL"] == "http://qdrant:6333"
    assert all(_known(k) for k in env if k.startswith("VAKSAM_")), [k for k in env if not _known(k)]
    assert services["vaksam"]["command"][:2] == ["vaksam", "serve"]


def test_docs_and_dockerfile_name_only_real_settings():
    for path in (ROOT / "Dockerfile", ROOT / "docs" / "deployment.md", ROOT / "README.md"):
        names = set(re.findall(r"VAKSAM_[A-Z0-9_]+[A-Z0-9]", path.read_text(encoding="utf-8")))
        unknown = sorted(n for n in names if not _known(n))
        assert not unknown, f"{path.name} names settings that do not exist: {unknown}"
