#!/usr/bin/env bash
# Build the docs website WITHOUT Quarto (with Quarto, run `nbdev-docs` instead).
# Run from anywhere, in an environment where the project is installed (`pip install -e ".[dev]"`).
#   1. nbdev-proc-nbs: processed notebooks (show_doc run, directives applied) -> _proc/
#   2. adapt _proc/ to smalldocs: pages renamed to their `output-file`, links and sidebar fixed
#   3. smalldocs render -> _docs/
#   4. scripts/offline_site.py: KaTeX and the theme's font served from _docs/site_libs/ (fetched with `npm pack`,
#      pinned and checked, into the gitignored .vendor/), so that no page loads anything from another host
#   5. smalldocs check must report nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

# nbdev-proc-nbs wants Quarto on PATH (else it downloads and installs it): give it a no-op stub.
stub=$(mktemp -d)
trap 'rm -rf "$stub"' EXIT
printf '#!/bin/sh\nexit 0\n' > "$stub/quarto"
chmod +x "$stub/quarto"

echo "== nbdev-proc-nbs"
# start from an empty _proc: step 2 renames files, which nbdev's cache would not recognise.
# (Not `--force`: nbdev passes it on to nbdev_sidebar, which would then overwrite a custom nbs/sidebar.yml.)
rm -rf _proc
PATH="$stub:$PATH" nbdev-proc-nbs --file-re '\.(?:ipynb|qmd|html)$'

echo "== adapting _proc/ for smalldocs"
python - <<'PY'
# smalldocs names a page after its source file and ignores nbdev's `output-file` front matter,
# and it warns about Quarto-only keys. So, inside _proc/ only (nbs/ is never touched):
#  - rename each notebook to its output-file (00_data.ipynb -> data.ipynb) and drop the key;
#  - point links and sidebar.yml entries at the renamed files; drop stateless progress-bar widgets; make absolute links to the
#    published site (nbdev's doc links for `names`) relative, so the local site is self-contained;
#  - drop the Quarto-only settings of nbdev's config: format-links, format.commonmark, keep-md.
import json, posixpath, re, sys
from pathlib import Path
import yaml

proc = Path("_proc")
pages = [p for p in proc.rglob("*") if p.suffix in (".ipynb", ".qmd", ".md")
         and not any(s.startswith((".", "_")) for s in p.relative_to(proc).parts)]

def rel(p): return p.relative_to(proc).as_posix()

# 1. rename notebooks to their output-file
FM = re.compile(r"^output-file:[ \t]*(.*)\n", re.M)
renamed = {}  # old path -> new path, relative to _proc
for p in [p for p in pages if p.suffix == ".ipynb"]:
    nb = json.loads(p.read_text(encoding="utf-8"))
    cells = nb.get("cells") or []
    if not cells or cells[0].get("cell_type") != "raw": continue
    src = "".join(cells[0]["source"])
    m = FM.search(src)
    if not m: continue
    cells[0]["source"] = FM.sub("", src, count=1)
    out = str(yaml.safe_load(m.group(1)) or "")
    new = p.with_name(Path(out).stem + ".ipynb") if out else p
    if new != p:
        if new.exists() or rel(new) in renamed.values():
            sys.exit(f"build_docs: {rel(p)} has output-file {out}, but {rel(new)} exists too")
        renamed[rel(p)] = rel(new)
        p.unlink()
    new.write_text(json.dumps(nb, indent=1, ensure_ascii=False), encoding="utf-8")
    print(f"  {rel(p)} -> {rel(new)}" if new != p else f"  {rel(p)}")

# 2. links: renamed pages, and absolute links to the published site
nbdev_yml = yaml.safe_load((proc / "nbdev.yml").read_text(encoding="utf-8")) or {}
site_url = str((nbdev_yml.get("website") or {}).get("site-url") or "").rstrip("/")
# without a repository in pyproject.toml, show_doc's "source" links point nowhere: drop them (and the empty repo-url)
has_repo = bool(str((nbdev_yml.get("website") or {}).get("repo-url") or "").strip())
if not has_repo: (nbdev_yml.get("website") or {}).pop("repo-url", None); (nbdev_yml.get("website") or {}).pop("repo-branch", None)
SOURCE_LINK = re.compile(r"\[source\]\([^)\s]*/blob/[^)\s]*\)(?:\{[^}]*\})?[ \t]*|<a href=[\"'][^\"']*/blob/[^\"']*[\"'][^>]*>source</a>[ \t]*")
LINK = re.compile(r"(\]\(<?|\bhref=[\"'])([^)\s\"'>]+)")

def fix(target, page):
    "A link target, written on `page` (relative to _proc), rewritten for the renamed files."
    here = posixpath.dirname(page)
    if site_url and target.startswith(site_url + "/"):
        target = posixpath.relpath(target[len(site_url) + 1:] or ".", here or ".")
    if re.match(r"^[a-zA-Z][\w+.-]*:|^[#/?]", target): return target
    path, sep, tail = re.match(r"([^#?]*)([#?]?)(.*)", target).groups()
    new = renamed.get(posixpath.normpath(posixpath.join(here, path)))
    return (posixpath.relpath(new, here or ".") + sep + tail) if new else target

def fix_text(text, page): return LINK.sub(lambda m: m.group(1) + fix(m.group(2), page), text)

for p in [p for p in proc.rglob("*") if p.suffix in (".ipynb", ".qmd", ".md")
          and not any(s.startswith((".", "_")) for s in p.relative_to(proc).parts)]:
    page = rel(p)
    if p.suffix != ".ipynb":
        p.write_text(fix_text(p.read_text(encoding="utf-8"), page), encoding="utf-8"); continue
    nb = json.loads(p.read_text(encoding="utf-8"))
    for c in nb.get("cells") or []:
        # live progress widgets (tqdm in Jupyter) keep no state in the file; their text fallback is a stale "0%"
        if c.get("outputs"):
            c["outputs"] = [o for o in c["outputs"] if "application/vnd.jupyter.widget-view+json" not in (o.get("data") or {})]
        if c.get("cell_type") == "markdown":
            # a `#| export` markdown cell (exported as the package docstring) keeps its directive line: drop it from the page
            src = re.sub(r"\A(?:[ \t]*#\|[^\n]*\n)+", "", "".join(c["source"]))
            c["source"] = fix_text(src, page)
        for o in c.get("outputs") or []:  # show_doc and other Markdown/HTML outputs
            for mime in ("text/markdown", "text/html"):
                if mime in (o.get("data") or {}):
                    text = "".join(o["data"][mime])
                    if not has_repo: text = SOURCE_LINK.sub("", text)
                    o["data"][mime] = fix_text(text, page)
    p.write_text(json.dumps(nb, indent=1, ensure_ascii=False), encoding="utf-8")

# 3. sidebar.yml entries (strings, or mappings with href/file) follow the renames
def walk(x):
    if isinstance(x, str): return renamed.get(posixpath.normpath(x), x)
    if isinstance(x, list): return [walk(i) for i in x]
    if isinstance(x, dict): return {k: walk(v) if k in ("contents", "href", "file") else v for k, v in x.items()}
    return x
sb = proc / "sidebar.yml"
if sb.exists():
    cfg = yaml.safe_load(sb.read_text(encoding="utf-8")) or {}
    side = (cfg.get("website") or {}).get("sidebar")
    if isinstance(side, dict): cfg["website"]["sidebar"] = walk(side)
    sb.write_text(yaml.safe_dump(cfg, sort_keys=False, allow_unicode=True), encoding="utf-8")

# 4. Quarto-only settings smalldocs would (rightly) report as ignored
nbdev_yml.pop("format-links", None)
(proc / "nbdev.yml").write_text(yaml.safe_dump(nbdev_yml, sort_keys=False, allow_unicode=True), encoding="utf-8")
qy = proc / "_quarto.yml"
q = yaml.safe_load(qy.read_text(encoding="utf-8")) or {}
fmt = q.get("format") if isinstance(q.get("format"), dict) else {}
fmt.pop("commonmark", None)
if isinstance(fmt.get("html"), dict): fmt["html"].pop("keep-md", None)
qy.write_text(yaml.safe_dump(q, sort_keys=False, allow_unicode=True), encoding="utf-8")
PY

echo "== smalldocs render"
out=$(python -c 'from smalldocs.config import load; print(load("_proc").output)')
smalldocs render _proc
if [ "$out" != "$(pwd -P)/_docs" ]; then  # nbdev's output-dir is _docs, so smalldocs wrote _proc/_docs
    rm -rf _docs
    mv "$out" _docs
fi

echo "== offline site: KaTeX and fonts from the site's own files"
python scripts/offline_site.py _docs

echo "== smalldocs check"
if ! smalldocs check _proc; then
    echo "build_docs: smalldocs check reported problems (above); fix them in nbs/" >&2
    exit 1
fi
echo "Site built: $PWD/_docs/index.html  (serve it: python -m http.server -d _docs)"
