"""The notebooks run top to bottom on the bundled corpus (copies, so outputs stay as committed)."""

import nbformat
from nbclient import NotebookClient

from tests.conftest import ROOT


def _run(name: str) -> list:
    """Execute a notebook and return its code cells' outputs, none of them an error."""
    notebook = nbformat.read(ROOT / "notebooks" / name, as_version=4)
    NotebookClient(
        notebook, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(ROOT / "notebooks")}}
    ).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    return outputs


def test_explore_notebook_runs():
    outputs = _run("explore.ipynb")
    assert sum("image/png" in o.get("data", {}) for o in outputs) >= 4
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "duplicates: 1" in text and "near-duplicate documents: 1" in text


def test_evaluation_notebook_runs():
    outputs = _run("evaluation.ipynb")
    assert sum("image/png" in o.get("data", {}) for o in outputs) >= 2
    tables = "".join(o.get("data", {}).get("text/plain", "") for o in outputs if o.output_type == "execute_result")
    assert "hybrid" in tables and "sparse" in tables and "why" in tables
