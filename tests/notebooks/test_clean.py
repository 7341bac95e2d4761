"""The committed notebooks: no outputs, one parameters cell with smoke switches, the venv's kernel."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nb_support import NAMES, NOTEBOOKS


def test_the_notebooks_are_the_expected_ones() -> None:
    assert sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_committed_without_outputs(name: str) -> None:
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    nbformat.validate(nb)
    dirty = [
        i for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)
    ]  # fmt: skip
    assert not dirty, (
        f"{name}: cells {dirty} have outputs; strip them (nbstripout, or Clear All Outputs + save)"
    )
    assert not any("widgets" in key for key in nb.metadata), f"{name}: saved widget state in the metadata"


@pytest.mark.parametrize("name", NAMES)
def test_one_parameters_cell_with_smoke_defaults(name: str) -> None:
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, f"{name}: expected exactly one cell tagged 'parameters'; found {len(tagged)}"
    source = tagged[0].source
    for line in [
        'smoke = os.environ.get("SKILLS_NOTEBOOK_SMOKE") == "1"',
        '"bank_en"',
        "epochs = 1 if smoke",
    ]:
        assert line in source, f"{name}: the parameters cell lacks {line!r}"
    assert "seed = " in source
    assert nb.metadata["kernelspec"]["name"] == "python3"


def test_the_python3_kernel_is_this_environment() -> None:
    spec = KernelSpecManager().get_kernel_spec("python3")
    command = KernelManager(
        kernel_name="python3", kernel_spec_manager=KernelSpecManager()
    ).format_kernel_cmd()
    assert Path(command[0]).resolve() == Path(sys.executable).resolve(), (
        f"the 'python3' kernelspec ({spec.resource_dir}) starts {command[0]}, not this environment's "
        f"{sys.executable}. Fix: remove that kernelspec (jupyter kernelspec remove python3) or run "
        "`python -m ipykernel install --sys-prefix` in this environment"
    )
