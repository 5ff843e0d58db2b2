"""The layer rule: tweetlab's folders are layers (core, data, features, train, assess, models, compress, app, course,
bottom first) and a module imports only its own layer and the layers below it. `lint-imports` (import-linter, configured
in pyproject.toml) checks the rule; the tests here run it, show that it fails on a package that breaks the rule, and check
what import-linter does not: no import cycle between modules (function-level imports included), no private name
imported from another module, no public name defined in two modules."""
import ast
import shutil
import subprocess
import sys
import textwrap
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "tweetlab"
LAYERS = ["core", "data", "features", "train", "assess", "models", "compress", "app", "course"]   # bottom first


def modules(pkg: Path) -> dict:
    "{dotted module name: path} for the .py files of package folder `pkg` (nbdev's index _modidx left out)."
    out = {}
    for p in sorted(pkg.rglob("*.py")):
        if p.name == "_modidx.py": continue
        parts = p.relative_to(pkg.parent).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = p
    return out


def imports(pkg: Path) -> list:
    "(importer, imported module, name or None) for every import in the package, at any depth (functions included)."
    mods, out = modules(pkg), []
    for name, path in mods.items():
        here = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                out += [(name, a.name, None) for a in node.names if a.name.split(".")[0] == pkg.name]
            elif isinstance(node, ast.ImportFrom):
                base = here.split(".")[: len(here.split(".")) - node.level + 1] if node.level else []
                mod = ".".join(base + ([node.module] if node.module else []))
                if mod.split(".")[0] != pkg.name: continue
                for a in node.names:
                    sub = f"{mod}.{a.name}"
                    out.append((name, sub, None) if sub in mods else (name, mod, a.name))
    return out


def cycles(pkg: Path) -> list:
    "The import cycles between the package's modules (strongly connected groups of more than one module)."
    mods, graph = modules(pkg), defaultdict(set)
    for a, b, _ in imports(pkg):
        if b in mods and a != b and not a.startswith(b + ".") and b != pkg.name: graph[a].add(b)
    index, low, stack, found = {}, {}, [], []
    def visit(v):
        index[v] = low[v] = len(index); stack.append(v)
        for w in graph[v]:
            if w not in index: visit(w); low[v] = min(low[v], low[w])
            elif w in stack: low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop(); group.append(w)
                if w == v: break
            if len(group) > 1: found.append(sorted(group))
    for m in list(mods):
        if m not in index: visit(m)
    return found


def private_imports(pkg: Path) -> list:
    "(importer, module, name) for each `_private` name imported from another module of the package."
    return [(a, b, n) for a, b, n in imports(pkg) if n and n.startswith("_") and not n.startswith("__") and b != a]


def public_names(pkg: Path) -> dict:
    "{name: [modules]} from each module's `__all__`."
    out = defaultdict(list)
    for name, path in modules(pkg).items():
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets):
                if isinstance(node.value, (ast.List, ast.Tuple)):
                    for e in node.value.elts: out[e.value].append(name)
    return out


def write_package(root: Path, files: dict) -> Path:
    "A throwaway package under `root` from {relative path: source}; every folder gets an __init__.py."
    for rel, src in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        for d in [p.parent, *p.parent.parents]:
            if d == root: break
            (d / "__init__.py").touch()
        p.write_text(textwrap.dedent(src))
    return root / next(iter(files)).split("/")[0]


def lint(project: Path, package: str, layers: list) -> subprocess.CompletedProcess:
    "Run lint-imports on `package` (under `project`) with a layers contract over `layers` (top first)."
    cfg = project / ".importlinter"
    cfg.write_text(f"[importlinter]\nroot_package = {package}\n\n[importlinter:contract:layers]\nname = layers\n"
                   f"type = layers\ncontainers = {package}\nlayers =\n" + "".join(f"    {l}\n" for l in layers))
    exe = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    return subprocess.run([exe, "--config", str(cfg), "--no-cache"], cwd=project, capture_output=True, text=True,
                          env={"PYTHONPATH": str(project), "PATH": str(Path(sys.executable).parent)})


TOY_LAYERS = ["app", "core"]
TOY_OK = {"toy/core/a.py": "def f(): return 1\n", "toy/app/b.py": "from toy.core.a import f\n"}


def test_contract_holds():
    "tweetlab keeps its layers contract (the one in pyproject.toml, which scripts/test.sh also runs)."
    exe = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    r = subprocess.run([exe, "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "1 kept, 0 broken" in r.stdout, r.stdout


def test_contract_lists_every_layer():
    "Every folder of tweetlab is a layer of the contract, and every module sits in a layer folder."
    text = (ROOT / "pyproject.toml").read_text()
    block = text[text.index("[tool.importlinter]"):]
    contract = ast.literal_eval(block[block.index("layers = ") + 9: block.index("]", block.index("layers = ")) + 1])
    assert contract == LAYERS[::-1], contract
    folders = sorted(p.name for p in PKG.iterdir() if p.is_dir() and (p / "__init__.py").exists() and p.name != "lexicons_data")
    assert folders == sorted(LAYERS), folders
    loose = [m for m in modules(PKG) if m.count(".") == 1 and m.split(".")[1] not in LAYERS + ["_modidx"]]
    assert loose == [], f"modules outside the layer folders: {loose}"


def test_contract_can_fail(tmp_path):
    "The same kind of contract passes on a toy package that keeps it, and fails when a lower layer imports a higher one."
    ok = tmp_path / "ok"
    write_package(ok, TOY_OK)
    assert lint(ok, "toy", TOY_LAYERS).returncode == 0
    bad = tmp_path / "bad"
    write_package(bad, {**TOY_OK, "toy/core/c.py": "def g():\n    from toy.app.b import f   # inside a function\n    return f\n"})
    r = lint(bad, "toy", TOY_LAYERS)
    assert r.returncode != 0 and "toy.core.c" in r.stdout and "toy.app.b" in r.stdout, r.stdout


def test_no_cycles():
    "No two tweetlab modules import each other, directly or through others (imports inside functions count)."
    assert cycles(PKG) == []


def test_cycle_check_can_fail(tmp_path):
    pkg = write_package(tmp_path, {"toy/a.py": "from toy.b import g\ndef f(): return 1\n",
                                   "toy/b.py": "def g():\n    from toy.a import f\n    return f\n"})
    assert cycles(pkg) == [["toy.a", "toy.b"]]


def test_no_private_names_across_modules():
    assert private_imports(PKG) == []


def test_private_check_can_fail(tmp_path):
    pkg = write_package(tmp_path, {"toy/a.py": "def _helper(): return 1\n", "toy/b.py": "from .a import _helper\n"})
    assert private_imports(pkg) == [("toy.b", "toy.a", "_helper")]


def test_no_public_name_defined_twice():
    twice = {n: m for n, m in public_names(PKG).items() if len(m) > 1}
    assert twice == {}, f"public names defined in more than one module: {twice}"


def test_course_helpers_are_imported_by_nothing():
    "course/ holds what only a lesson uses: no library module imports it (the contract puts it on top; this says why)."
    users = sorted({a for a, b, _ in imports(PKG) if b.startswith("tweetlab.course") and not a.startswith("tweetlab.course")})
    assert users == []
