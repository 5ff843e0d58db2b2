"""Make the rendered website (`_docs/`) work offline: nothing a page needs comes from another host.

smalldocs links KaTeX (maths) from a CDN, and the cosmo theme imports its font from Google Fonts. This script,
run by `scripts/build_docs.sh` after `smalldocs render`:

  1. fetches pinned npm packages with `npm pack` into a cache folder (`.vendor/npm/`, gitignored), checks each
     tarball against its pinned sha512 integrity, and copies what the pages use into `_docs/site_libs/`:
     KaTeX (katex.min.js, katex.min.css, contrib/auto-render.min.js, fonts/) and the Source Sans Pro font files;
  2. points the pages and the theme's CSS at those local copies (relative links, so the site works from any folder);
  3. fails if any page or stylesheet still loads a script, stylesheet, font, image or frame from a http(s) host
     (links, <a href>, may point anywhere).

Usage: python scripts/offline_site.py [SITE_DIR]   (default: _docs)
Where `npm` is missing, the tarball is downloaded from the same registry URL `npm pack` uses; the integrity
check is the same either way. `TWEETLAB_VENDOR_CACHE` moves the cache folder.
"""

import base64
import hashlib
import os
import posixpath
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path(os.environ.get("TWEETLAB_VENDOR_CACHE") or ROOT / ".vendor" / "npm")

# ---- pinned packages: (name, version, sha512 integrity as `npm pack --json` and the registry report it)
KATEX = ("katex", "0.16.47", "sha512-Eeo8Ys1doU1z+x8AZsPpQu+p/QcZBI5PeOo7QGQdy2x2m0MU/hYagBbGOmXwr5KVbEfVuWv9LpnQWeehogurjg==")
FONT = ("@fontsource/source-sans-pro", "5.3.0", "sha512-nd96qXI4stbyRPNEygS2cNhMkAc1kkW9+ORmIOK0oelPTyiitRPk/+9+HUuUYuEjwRRkK/+Gat2J9/NMJest/A==")
FONT_WEIGHTS = ("300", "400", "700")  # the weights the cosmo theme imports from Google Fonts (normal style only)

# ---- what gets rewritten
KATEX_CDN = re.compile(r"https://cdn\.jsdelivr\.net/npm/katex@[^/\"']+/dist/")  # smalldocs' KaTeX, any version
GOOGLE_FONT_IMPORT = re.compile(r"@import\s+url\(\s*[\"']?https://fonts\.googleapis\.com/css2?\?family=Source\+Sans\+Pro[^)]*\)\s*;")
REMOTE = re.compile(r"^(?:https?:)?//", re.I)


def fail(msg):
    sys.exit(f"offline_site: {msg}")


def tarball(name, version, integrity):
    "The path of the package's tarball in the cache, fetched (npm pack) and checked against `integrity`."
    base = name.lstrip("@").replace("/", "-")
    path = CACHE / f"{base}-{version}.tgz"
    algo, _, want = integrity.partition("-")

    def ok():
        return path.is_file() and base64.b64encode(hashlib.new(algo, path.read_bytes()).digest()).decode() == want

    if ok():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    spec = f"{name}@{version}"
    npm = shutil.which("npm")
    if npm:
        print(f"  npm pack {spec}")
        r = subprocess.run([npm, "pack", spec, "--pack-destination", str(CACHE), "--silent"],
                           capture_output=True, text=True, stdin=subprocess.DEVNULL)
        if r.returncode != 0:
            fail(f"npm pack {spec} failed:\n{r.stderr[-2000:]}")
    else:
        url = f"https://registry.npmjs.org/{name}/-/{name.rsplit('/', 1)[-1]}-{version}.tgz"
        print(f"  npm not found; downloading {url}")
        with urllib.request.urlopen(url, timeout=120) as resp, open(path, "wb") as f:
            shutil.copyfileobj(resp, f)
    if not ok():
        got = base64.b64encode(hashlib.new(algo, path.read_bytes()).digest()).decode() if path.is_file() else "no file"
        path.unlink(missing_ok=True)
        fail(f"{spec}: the tarball's {algo} is {got}, not the pinned {want}")
    return path


def unpack(tgz, dest):
    "Extract an npm tarball (everything under `package/`) into `dest`; return `dest/package`."
    with tarfile.open(tgz) as tf:
        for m in tf.getmembers():
            if m.name.startswith("/") or ".." in Path(m.name).parts or not (m.isfile() or m.isdir()):
                fail(f"{tgz.name}: unexpected member {m.name!r}")
        if hasattr(tarfile, "data_filter"):  # Python >= 3.11.4
            tf.extractall(dest, filter="data")
        else:
            tf.extractall(dest)
    return Path(dest) / "package"


def offset(page, site):
    "The relative path from a page to the site root: '' or '../' ..."
    depth = len(page.relative_to(site).parts) - 1
    return "../" * depth


def vendor_katex(site, tmp):
    pkg = unpack(tarball(*KATEX), tmp / "katex")
    dest = site / "site_libs" / "katex"
    shutil.rmtree(dest, ignore_errors=True)
    (dest / "contrib").mkdir(parents=True)
    for f in ("katex.min.js", "katex.min.css"):
        shutil.copy2(pkg / "dist" / f, dest / f)
    shutil.copy2(pkg / "dist" / "contrib" / "auto-render.min.js", dest / "contrib" / "auto-render.min.js")
    shutil.copytree(pkg / "dist" / "fonts", dest / "fonts")
    shutil.copy2(pkg / "LICENSE", dest / "LICENSE")
    n = 0
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        new = KATEX_CDN.sub(offset(page, site) + "site_libs/katex/", text)
        if new != text:
            page.write_text(new, encoding="utf-8")
        n += "site_libs/katex/" in new
    print(f"  KaTeX {KATEX[1]} -> site_libs/katex/ ({n} page(s) with maths use it)")


def vendor_font(site, tmp):
    pkg = unpack(tarball(*FONT), tmp / "font")
    dest = site / "site_libs" / "fonts" / "source-sans-pro"
    shutil.rmtree(dest, ignore_errors=True)
    (dest / "files").mkdir(parents=True)
    css = []
    for w in FONT_WEIGHTS:
        text = (pkg / f"{w}.css").read_text(encoding="utf-8")
        for f in re.findall(r"url\(\./files/([^)]+)\)", text):
            shutil.copy2(pkg / "files" / f, dest / "files" / f)
        css.append(text)
    (dest / "source-sans-pro.css").write_text("\n".join(css), encoding="utf-8")
    shutil.copy2(pkg / "LICENSE", dest / "LICENSE")
    n = 0
    for sheet in (site / "site_libs").rglob("*.css"):
        text = sheet.read_text(encoding="utf-8")
        rel = posixpath.relpath((dest / "source-sans-pro.css").as_posix(), sheet.parent.as_posix())
        new = GOOGLE_FONT_IMPORT.sub(f'@import url("{rel}");', text)
        if new != text:
            sheet.write_text(new, encoding="utf-8")
        n += "source-sans-pro.css" in new
    print(f"  Source Sans Pro {FONT[1]} -> site_libs/fonts/source-sans-pro/ ({n} theme stylesheet(s) use it)")


class Remote(HTMLParser):
    "Collect the attributes of a page that load something (not links) and point at another host."

    LOADS = {"script": "src", "img": "src", "iframe": "src", "source": "src", "video": "src", "audio": "src",
             "embed": "src", "track": "src", "object": "data", "input": "src"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found, self.module = [], False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.module = tag == "script" and a.get("type") == "module" and not a.get("src")
        urls = []
        if tag in self.LOADS and a.get(self.LOADS[tag]):
            urls.append(a[self.LOADS[tag]])
        if tag == "img" and a.get("srcset"):
            urls += [u.split()[0] for u in a["srcset"].split(",") if u.strip()]
        if tag == "link" and a.get("href") and set((a.get("rel") or "").lower().split()) & {"stylesheet", "icon", "preload", "modulepreload", "prefetch", "manifest"}:
            urls.append(a["href"])
        self.found += [f"<{tag}> {u}" for u in urls if REMOTE.match(u.strip())]

    def handle_data(self, data):
        if self.module:  # an inline ES module: `import x from 'https://...'`
            self.found += [f"<script type=module> import {u}" for u in re.findall(r"""(?:from|import)\s*\(?\s*["']((?:https?:)?//[^"']+)""", data)]


def remote_loads(site):
    "Everything in the site that would be fetched from another host when a page is read."
    bad = []
    for page in sorted(site.rglob("*.html")):
        p = Remote()
        p.feed(page.read_text(encoding="utf-8"))
        bad += [f"{page.relative_to(site)}: {x}" for x in p.found]
    for sheet in sorted(site.rglob("*.css")):
        text = re.sub(r"/\*.*?\*/", "", sheet.read_text(encoding="utf-8"), flags=re.S)
        for u in re.findall(r"""@import\s+(?:url\()?\s*["']?([^"')\s;]+)|url\(\s*["']?([^"')]+)""", text):
            u = u[0] or u[1]
            if REMOTE.match(u.strip()):
                bad.append(f"{sheet.relative_to(site)}: {u}")
    return bad


def main():
    site = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "_docs").resolve()
    if not (site / "index.html").is_file():
        fail(f"{site}/index.html not found: render the site first")
    with tempfile.TemporaryDirectory(prefix="tweetlab-vendor-") as tmp:
        vendor_katex(site, Path(tmp))
        vendor_font(site, Path(tmp))
    bad = remote_loads(site)
    if bad:
        fail("these load from another host (a page must work offline; vendor them in scripts/offline_site.py):\n  " + "\n  ".join(bad))
    print("  no page loads anything from another host")


if __name__ == "__main__":
    main()
