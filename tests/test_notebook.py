"""notebooks/explore.ipynb runs top to bottom on a fresh pipeline run, and is committed without outputs."""

from __future__ import annotations

import json
import os

import pandas as pd
import pytest
from conftest import ROOT

NOTEBOOK = ROOT / "notebooks" / "explore.ipynb"


def _need(module: str):
    """Skip where the notebook tools are not installed, but never in CI (they are in the test extra)."""
    if os.environ.get("CI"):
        return __import__(module)
    return pytest.importorskip(module)


def test_committed_notebook_has_no_outputs():
    nbformat = _need("nbformat")
    raw = json.loads(NOTEBOOK.read_text("utf-8"))
    nb = nbformat.reads(NOTEBOOK.read_text("utf-8"), as_version=4)
    nbformat.validate(nb)
    code = [cell for cell in raw["cells"] if cell["cell_type"] == "code"]
    assert code
    for cell in code:
        assert cell["outputs"] == [], f"cell {cell.get('id')} has outputs: clear them before committing"
        assert cell["execution_count"] is None, f"cell {cell.get('id')} has an execution count"
    assert raw["metadata"]["kernelspec"]["name"] == "python3"
    assert any("parameters" in cell["metadata"].get("tags", []) for cell in code)


def _output_text(cell) -> str:
    parts = []
    for output in cell.outputs:
        if output.output_type == "stream":
            parts.append(output.text)
        elif output.output_type in ("execute_result", "display_data"):
            parts.append(output.data.get("text/plain", ""))
    return "\n".join(parts)


def test_notebook_runs_on_a_pipeline_run(analyst_outputs, monkeypatch):
    nbformat = _need("nbformat")
    nbclient = _need("nbclient")
    _need("ipykernel")
    monkeypatch.setenv("PIPELINE_OUTPUTS", str(analyst_outputs))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(ROOT / "notebooks")}})
    client.execute()  # raises CellExecutionError, with the cell and traceback, when any cell fails
    cells = {tag: cell for cell in nb.cells for tag in cell.metadata.get("tags", [])}
    assert {"load", "join", "top-speakers", "per-country", "article", "api"} <= set(cells)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not [o for o in cell.outputs if o.output_type == "error"]

    quotes = pd.read_parquet(analyst_outputs / "quotes" / "quotes.parquet")
    documents = pd.read_parquet(analyst_outputs / "clean" / "documents.parquet")
    loaded = _output_text(cells["load"])
    assert f"quotes {len(quotes)}" in " ".join(loaded.split())
    top = _output_text(cells["top-speakers"])
    assert "Kim Song" in top and "PERSON" in top
    counts = quotes["speaker"].value_counts()
    others = [name for name in counts.index[1:] if name in top]
    assert counts.index[0] == "Kim Song"
    assert all(top.index("Kim Song") < top.index(name) for name in others)  # most quoted first
    per_country = _output_text(cells["per-country"])
    assert "North Korea" in per_country and "United States" in per_country
    article = _output_text(cells["article"])
    assert documents.loc[0, "headline"] in article
    assert "Kim Song" in article
    assert "Annalena Baerbock" in _output_text(cells["api"])
