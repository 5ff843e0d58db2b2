"""Run a few short lesson notebooks in a real Jupyter kernel, as learners do.

`nbdev-test` runs notebooks in its own in-process executor (execnb), which differs from a Jupyter kernel: no IPython
display machinery of the same kind, no inline matplotlib backend, `IN_TEST` set. Here a copy of each lesson is executed
through `nbclient` in an `ipykernel` kernel (the `python3` kernel, which jupyter_client starts with this interpreter, so
the project's venv) with the working directory set to `nbs/` (as `nbdev-test` does: relative paths in the lessons
resolve), in quick mode (`TWEETLAB_QUICK=1`), with a timeout per cell. The test fails on any error output: an output of
type `error`, or a `stderr` stream holding a `Traceback`. The notebooks in `nbs/` are never modified.

Needs TWEETLAB_DATA (skipped without it). Takes about 1-2 minutes on 2 cores.
"""

import os
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

NBS = Path(__file__).resolve().parents[1] / "nbs"
LESSONS = ["00_data.ipynb", "02a_metrics.ipynb"]  # short lessons; add more if they stay fast in quick mode
CELL_TIMEOUT = 300  # seconds per cell
STARTUP_TIMEOUT = 120  # seconds for the kernel to start
# a last cell appended to the copy: which interpreter and which tweetlab the kernel ran
KERNEL_PROBE = "import sys, tweetlab\nprint(sys.prefix)\nprint(tweetlab.__file__)"


def notebook_errors(nb) -> list:
    """The error outputs of an executed notebook, as readable strings: every output of type `error` (an uncaught
    exception) and every `stderr` stream containing a `Traceback` (an exception printed by a library or a thread)."""
    found = []
    for i, cell in enumerate(nb.cells):
        if cell.get("cell_type") != "code": continue
        src = "".join(cell.get("source", ""))
        where = f"cell {i} ({src.strip().splitlines()[0][:80] if src.strip() else 'empty'})"
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                found.append(f"{where}: {out.get('ename')}: {out.get('evalue')}")
            elif out.get("output_type") == "stream" and out.get("name") == "stderr":
                text = "".join(out.get("text", ""))
                if "Traceback" in text: found.append(f"{where}: traceback on stderr:\n{text[-2000:]}")
    return found


def kernel_env() -> dict:
    "The kernel's environment: this one, offline, quick mode, and Jupyter's own matplotlib backend (inline) as learners get it."
    env = dict(os.environ, TWEETLAB_QUICK="1", HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    for k in ("MPLBACKEND", "IN_TEST"): env.pop(k, None)
    return env


def run_in_kernel(nb, cwd: Path, timeout: int = CELL_TIMEOUT):
    """Execute `nb` (modified in place) in a fresh `python3` kernel started in `cwd`; stops at the first cell that raises
    (its error output is kept). Returns the notebook."""
    client = NotebookClient(nb, timeout=timeout, startup_timeout=STARTUP_TIMEOUT, kernel_name="python3",
                            allow_errors=False, resources={"metadata": {"path": str(cwd)}})
    try: client.execute(env=kernel_env())
    except CellExecutionError: pass  # the error is in the cell's outputs: notebook_errors reports it
    return nb


# ---- the checker can fail (fast: no kernel for the first two)
def _nb(*cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src, outputs=outs) for src, outs in cells]
    return nb


def test_checker_finds_errors_in_memory():
    ok = _nb(("print(1)", [nbformat.v4.new_output("stream", name="stdout", text="1\n")]),
             ("import warnings", [nbformat.v4.new_output("stream", name="stderr", text="UserWarning: careful\n")]))
    assert notebook_errors(ok) == []
    err = _nb(("raise ValueError('boom')", [nbformat.v4.new_output("error", ename="ValueError", evalue="boom", traceback=[])]))
    assert notebook_errors(err) == ["cell 0 (raise ValueError('boom')): ValueError: boom"]
    tb = _nb(("run()", [nbformat.v4.new_output("stream", name="stderr", text="Traceback (most recent call last):\n  ...\nKeyError: 'x'\n")]))
    (msg,) = notebook_errors(tb)
    assert msg.startswith("cell 0 (run()): traceback on stderr") and "KeyError" in msg


def test_checker_catches_a_raising_notebook_in_a_kernel(tmp_path):
    "A real kernel run of a notebook that raises: the error is found, and the cells after it do not run."
    nb = _nb(("x = 1", []), ("raise ValueError('lesson broke')", []), ("print('not reached')", []))
    run_in_kernel(nb, tmp_path, timeout=60)
    errs = notebook_errors(nb)
    assert len(errs) == 1 and "ValueError: lesson broke" in errs[0], errs
    assert nb.cells[2].outputs == []


# ---- the lessons
@pytest.mark.parametrize("name", LESSONS)
def test_lesson_runs_in_a_jupyter_kernel(name, real_data, tmp_path):
    nb = nbformat.read(NBS / name, as_version=4)  # read once: the copy below is what runs, nbs/ is never written
    nb.cells.append(nbformat.v4.new_code_cell(KERNEL_PROBE))
    copy_path = tmp_path / name  # executed copy, kept in pytest's temp dir to look at when the test fails
    run_in_kernel(nb, NBS)
    nbformat.write(nb, copy_path)
    errs = notebook_errors(nb)
    assert not errs, f"{name} failed in a Jupyter kernel (executed copy: {copy_path}):\n" + "\n\n".join(errs)
    probe = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.get("output_type") == "stream").split("\n")
    assert probe[0] == sys.prefix, f"the kernel ran {probe[0]!r}, not this interpreter's environment {sys.prefix!r}"
    assert Path(probe[1]).resolve().is_relative_to(NBS.parent), f"the kernel imported tweetlab from {probe[1]}, not this checkout"
