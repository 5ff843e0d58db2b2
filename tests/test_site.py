"""Check the rendered docs website (`_docs/`) in headless Chromium.

Build the site first with `bash scripts/build_docs.sh` (or `nbdev-docs`). The site is served on a
localhost port and loaded by Chromium, and the DOM after JavaScript ran is checked: page titles,
sidebar links and the nbdev `show_doc` API entries. Screenshots go to `$TWEETLAB_SCREENSHOTS`
(default: a `tweetlab-site-screenshots` folder in the temp dir) for a human to look at.

Layout, tables, maths and figures are measured in a 1280x900 window: the test server adds a small probe script to a
page asked for with `?probe`, which reports what the reader sees (column width, table cells cut off, KaTeX output,
what was fetched, a figure opened at full size) into the DOM that Chromium dumps.

Without a built site or Chromium these tests skip, unless `TWEETLAB_REQUIRE_SITE=1` (as in CI): then they fail.
"""

import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import pytest

# ---- what the site should show: change these when the notebooks change
HOME_TITLE = "tweetlab"  # title of nbs/index.ipynb (-> index.html)
DATA_PAGE = "data.html"  # output file of nbs/00_data.ipynb
DATA_TITLE = "Loading tweet datasets"  # the data page's title starts with this
DATA_REF = "api/data_tweets.html"  # output file of nbs/api/10_data_tweets.ipynb, the loader's reference page
DATA_API = ["load_tweets", "subsample"]  # show_doc headings on the data reference page
CONFIG_PAGE = "api/core_config.html"  # output file of nbs/api/00_core_config.ipynb
CONFIG_API = ["get_config"]  # show_doc anchors on the config page
SIDEBAR_PAGES = ["index.html", DATA_PAGE, "finetuning.html", "api/core_cache.html", "api/train_trainer.html"]  # pages the sidebar must link to
# plumbing that must not show up as headings (the table of contents) of a lesson page: it lives on the reference pages
PLUMBING = {"finetuning.html": ["atomic_folder", "write_entry", "quiet_datasets", "finetune_key", "get_finetuned", "TrainConfig",
                                "training_args", "run_trainer", "save_classifier", "search_hyperparameters"],
            "hybrid.html": ["check_features", "FeatureScaler", "HybridCollator", "get_hybrid", "paired_bootstrap"],
            "distillation.html": ["get_distilled", "export_onnx", "with_transfer_set", "TeacherLogitsCollator"]}

# the reading experience, measured in a WINDOW-sized window
WINDOW = (1280, 900)
MIN_COLUMN = 900  # px: the text column's width at least, in that window
LAYOUT_PAGES = ["index.html", "finetuning.html", "probing.html", DATA_REF]  # pages whose text column is measured
WIDE_TABLE_PAGES = ["measuring.html", "features.html"]  # pages with a DataFrame wider than the column (07a, 02c_features)
# code a lesson teaches, written out on its page (`#| exports` cells and plain cells), that its built page must show
TEACHING_CODE = {"embeddings.html": ["masked_fill"], "finetuning.html": ["train_dl"], "quantization.html": ["amax(dim=1)"],
                 "distillation.html": ["kl_div"], "trust.html": ["minimize_scalar"]}
MATH_PAGES = ["probing.html", "distillation.html"]  # pages with LaTeX maths (04_probing, 07d_distillation)
FIGURE_PAGE = "probing.html"  # a page with matplotlib figures in its cell outputs

DOCS = Path(__file__).resolve().parents[1] / "_docs"
SHOTS = Path(os.environ.get("TWEETLAB_SCREENSHOTS") or Path(tempfile.gettempdir()) / "tweetlab-site-screenshots")
TIMEOUT = 60  # seconds, for each Chromium run
REQUIRED = os.environ.get("TWEETLAB_REQUIRE_SITE") == "1"


def _unavailable(msg):
    "Skip, or fail when the site is required (CI)."
    if REQUIRED:
        pytest.fail(f"{msg} (TWEETLAB_REQUIRE_SITE=1)")
    pytest.skip(msg)


def _chromium():
    for name in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome", "/usr/bin/chromium"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


# ---- a small DOM: nodes with tag, attrs, children and text
class Node:
    def __init__(self, tag, attrs, parent=None):
        self.tag, self.attrs, self.parent, self.children = tag, dict(attrs), parent, []

    @property
    def text(self):
        return "".join(c if isinstance(c, str) else c.text for c in self.children)

    @property
    def classes(self):
        return (self.attrs.get("class") or "").split()

    def iter(self):
        for c in self.children:
            if isinstance(c, Node):
                yield c
                yield from c.iter()

    def find_all(self, tag=None, id=None, cls=None):
        return [
            n
            for n in self.iter()
            if (tag is None or n.tag == tag) and (id is None or n.attrs.get("id") == id) and (cls is None or cls in n.classes)
        ]

    def find(self, **kw):
        found = self.find_all(**kw)
        return found[0] if found else None


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class DomParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.cur = Node("#document", {})

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs, self.cur)
        self.cur.children.append(node)
        if tag not in VOID:
            self.cur = node

    def handle_startendtag(self, tag, attrs):
        self.cur.children.append(Node(tag, attrs, self.cur))

    def handle_endtag(self, tag):
        n = self.cur
        while n is not None and n.tag != tag:  # close unclosed children too
            n = n.parent
        if n is not None and n.parent is not None:
            self.cur = n.parent

    def handle_data(self, data):
        self.cur.children.append(data)


def parse(html):
    p = DomParser()
    p.feed(html)
    p.close()
    return p.root


# ---- serving the site and running Chromium
@pytest.fixture(scope="module")
def site():
    "The base URL of `_docs/`, served on a free localhost port."
    if not (DOCS / "index.html").is_file():
        _unavailable(f"{DOCS}/index.html not found: build the site with `bash scripts/build_docs.sh`")
    chrome = _chromium()
    if not chrome:
        _unavailable("chromium not found: apt-get install chromium (or set CHROMIUM=/path/to/chrome)")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_GET(self):
            "A page asked for with `?probe` comes with the probe script at the end of its body."
            url = urlparse(self.path)
            page = DOCS / unquote(url.path).lstrip("/")
            if url.query != "probe" or page.suffix != ".html" or not page.is_file():
                return super().do_GET()
            html = page.read_text(encoding="utf-8")
            at = html.rfind("</body>")
            body = (html[:at] + f"<script>{PROBE_JS}</script>" + html[at:]).encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(DOCS)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield chrome, f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def run_chromium(chrome, url, *args):
    "Run headless Chromium on `url` with a fresh profile; return its stdout."
    with tempfile.TemporaryDirectory(prefix="tweetlab-chromium-") as profile:
        cmd = [
            chrome, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-dev-shm-usage", "--hide-scrollbars", f"--user-data-dir={profile}",
            "--virtual-time-budget=5000", *args, url,
        ]  # fmt: skip
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            pytest.fail(f"chromium took more than {TIMEOUT}s on {url}")
    assert r.returncode == 0, f"chromium failed ({r.returncode}) on {url}:\n{r.stderr[-2000:]}"
    return r.stdout


@functools.lru_cache(maxsize=None)
def _dom(chrome, url):
    html = run_chromium(chrome, url, "--dump-dom")
    assert "<body" in html, f"chromium returned no page for {url}:\n{html[:500]}"
    return parse(html)


def load(site, page):
    "The DOM of a page after its JavaScript ran; a screenshot of it is saved too."
    chrome, base = site
    url = urljoin(base, page)
    _screenshot(chrome, url, SHOTS / (Path(page).stem + ".png"))
    return _dom(chrome, url)


@functools.lru_cache(maxsize=None)
def _screenshot(chrome, url, shot):
    shot.parent.mkdir(parents=True, exist_ok=True)
    shot.unlink(missing_ok=True)
    run_chromium(chrome, url, f"--screenshot={shot}", "--window-size=1280,2000")
    assert shot.is_file() and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"no screenshot at {shot}"
    print(f"screenshot of {url}: {shot}")


def page_title(dom):
    "The title a reader sees: the page's <h1>, as Quarto and smalldocs render it."
    h1 = dom.find(tag="h1", cls="title") or dom.find(tag="h1")
    return " ".join(h1.text.split()) if h1 else ""


def sidebar_links(dom, page):
    "The pages the sidebar links to, as paths relative to the site root."
    bar = dom.find(id="quarto-sidebar")
    assert bar is not None, f"{page}: no sidebar (#quarto-sidebar)"
    out = []
    for a in bar.find_all(tag="a"):
        href = a.attrs.get("href")
        if href:
            path = urlparse(urljoin("http://x/" + page, href)).path.lstrip("/")
            out.append(path or "index.html")
    return out


# ---- the tests
def test_home_page(site):
    dom = load(site, "index.html")
    assert page_title(dom) == HOME_TITLE
    assert HOME_TITLE in dom.find(tag="title").text


def test_data_page_title(site):
    dom = load(site, DATA_PAGE)
    assert page_title(dom).startswith(DATA_TITLE), page_title(dom)
    assert DATA_TITLE in dom.find(tag="title").text


@pytest.mark.parametrize("page", ["index.html", DATA_PAGE])
def test_sidebar(site, page):
    links = sidebar_links(load(site, page), page)
    for want in SIDEBAR_PAGES:
        assert want in links, f"{page}: sidebar has no link to {want}: {links}"
    for link in links:  # every sidebar page was built
        assert (DOCS / link).is_file(), f"{page}: sidebar links to missing {link}"


def api_heading(dom, page, name):
    "The show_doc heading of `name`: its anchor is `name` (smalldocs puts the id on the heading, Quarto on its section)."
    heads = [h for h in dom.iter() if h.tag in ("h2", "h3", "h4") and name in (h.attrs.get("id"), h.attrs.get("data-anchor-id"))]
    assert heads, f"{page}: no show_doc heading for {name!r} (is its show_doc cell hidden, or the function not exported?)"
    h = heads[0]
    assert name in h.text, f"{page}: heading #{name} reads {h.text!r}"
    # the page's JavaScript ran: it adds an anchor link to each heading
    assert h.find(tag="a", cls="anchorjs-link") is not None, f"{page}: heading #{name} has no anchor link (JavaScript did not run?)"
    return h


@pytest.mark.parametrize("name", DATA_API)
def test_data_api_entry(site, name):
    dom = load(site, DATA_REF)
    h = api_heading(dom, DATA_REF, name)
    # a show_doc entry shows the signature (a code block) between its heading and the next one
    nodes = list(dom.iter())
    after = []
    for n in nodes[nodes.index(h) + 1 :]:
        if n.tag in ("h1", "h2", "h3", "h4"):
            break
        after.append(n)
    assert any(n.tag == "pre" and name in n.text for n in after), f"{DATA_REF}: no signature of {name} under its heading"


def test_sidebar_has_course_then_reference(site):
    "The sidebar's two parts, in this order: the course (lessons in order), then the library reference."
    dom = load(site, "index.html")
    text = dom.text
    assert "The course" in text and "Library reference" in text, "sidebar lacks its two parts"
    assert text.index("The course") < text.index("Library reference")
    links = sidebar_links(dom, "index.html")
    lessons = [l for l in links if not l.startswith("api/") and l != "index.html"]
    assert lessons.index("data.html") < lessons.index("finetuning.html") < lessons.index("transfer.html"), lessons
    assert all(links.index(l) < links.index("api/core_config.html") for l in lessons), links
    built = sorted(p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.html") if "site_libs" not in p.parts)
    missing = [p for p in built if p not in links]
    assert not missing, f"pages built but not in the sidebar: {missing}"


@pytest.mark.parametrize("page", sorted(PLUMBING))
def test_lesson_headings_are_lesson_sections(site, page):
    "A lesson's table of contents lists its sections and its own code, not library plumbing."
    dom = load(site, page)
    ids = {h.attrs.get("id") or h.attrs.get("data-anchor-id") for h in dom.iter() if h.tag in ("h2", "h3", "h4")}
    wrong = [n for n in PLUMBING[page] if n in ids]
    assert not wrong, f"{page}: plumbing headings {wrong}; they belong on the reference pages"


@pytest.mark.parametrize("name", CONFIG_API)
def test_config_api_anchor(site, name):
    api_heading(load(site, CONFIG_PAGE), CONFIG_PAGE, name)


def test_links_to_anchors_resolve(site):
    "Links in the text of every page to `page.html#name` (nbdev's links for `names` among them) reach an existing anchor."
    pages = sorted(p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.html") if "site_libs" not in p.parts)
    ids = {}  # page -> the ids in it
    bad = []
    for page in pages:
        main = parse((DOCS / page).read_text(encoding="utf-8")).find(tag="main")
        for a in main.find_all(tag="a") if main else []:
            url = urlparse(urljoin("http://x/" + page, a.attrs.get("href") or ""))
            target = url.path.lstrip("/") or "index.html"
            if url.netloc != "x" or not url.fragment:
                continue  # external, or no anchor
            if target not in ids:
                ids[target] = {n.attrs.get("id") for n in parse((DOCS / target).read_text(encoding="utf-8")).iter()} if (DOCS / target).is_file() else None
            if ids[target] is None or url.fragment not in ids[target]:
                bad.append(f"{page}: {a.attrs['href']}")
    assert not bad, "links to missing pages or anchors (a hidden show_doc?):\n" + "\n".join(sorted(set(bad)))


def test_no_cell_directives_in_the_text(site):
    "No page shows a notebook directive such as `#| export` in its prose (code blocks may show them)."
    pages = sorted(p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.html") if "site_libs" not in p.parts)
    bad = []
    for page in pages:
        main = parse((DOCS / page).read_text(encoding="utf-8")).find(tag="main")
        for n in main.iter() if main else []:
            if n.tag in ("p", "li", "h1", "h2", "h3", "td") and "#|" in n.text and not n.find(tag="code"):
                bad.append(f"{page}: {n.text.strip()[:60]!r}")
    assert not bad, "cell directives shown as text:\n" + "\n".join(bad)


def test_no_stale_progress_bars(site):
    "No page shows a progress bar frozen at its first frame (a Jupyter widget's text fallback, e.g. 'tokenize: 0%|')."
    import re
    stale = re.compile(r"\b0%\|")
    pages = sorted(p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.html") if "site_libs" not in p.parts)
    bad = [page for page in pages if stale.search((DOCS / page).read_text(encoding="utf-8"))]
    assert not bad, f"pages with a stale progress bar ('0%|'): {bad}"


# ---- what a reader sees in a 1280x900 window: a probe script measures the page after its own scripts ran
PROBE_JS = r"""
addEventListener("load", () => setTimeout(() => {
  const vw = document.documentElement.clientWidth, main = document.querySelector("main.content") || document.body;
  const css = (el, pseudo) => getComputedStyle(el, pseudo || null);
  const visible = (el) => { const r = el.getBoundingClientRect(), s = css(el);
    return r.width > 0 && r.height > 0 && s.display !== "none" && s.visibility !== "hidden" && parseFloat(s.opacity) > 0.1; };
  const out = {viewport: vw, column: Math.round(main.getBoundingClientRect().width), tables: []};

  // tables in cell outputs: cells cut off by the window or by a box around them, and what shows that there is more
  for (const table of main.querySelectorAll(".cell-output table")) {
    if (table.parentElement.closest("table")) continue;
    const clips = [];
    for (let a = table.parentElement; a && a !== document.documentElement; a = a.parentElement)
      if (css(a).overflowX !== "visible") clips.push(a);
    let left = 0, right = vw;
    for (const a of clips) { const r = a.getBoundingClientRect(); left = Math.max(left, r.left); right = Math.min(right, r.right); }
    const cells = [...table.querySelectorAll("th, td")].filter((c) => c.closest("table") === table);
    const hidden = cells.filter((c) => { const r = c.getBoundingClientRect(); return r.width > 0 && (r.right > right + 1 || r.left < left - 1); });
    const box = clips.find((a) => ["auto", "scroll"].includes(css(a).overflowX) && a.scrollWidth > a.clientWidth + 1);
    const t = {cells: cells.length, hidden: hidden.length, scrolls: !!box, hint: "", shadow: false,
               head: cells.map((c) => c.textContent.trim()).filter(Boolean).slice(0, 3).join(" | ")};
    if (box) {
      const area = box.closest(".cell-output") || box.parentElement;
      const hint = [...area.querySelectorAll("*")].find((e) => !table.contains(e) && !e.contains(table) && /scroll/i.test(e.textContent) && visible(e));
      t.hint = hint ? hint.textContent.trim() : "";
      for (let a = box; a && a !== area.parentElement; a = a.parentElement)
        for (const p of ["::before", "::after"]) {
          const s = css(a, p);
          if (s.content !== "none" && /gradient/.test(s.backgroundImage) && parseFloat(s.opacity) > 0.1) t.shadow = true;
        }
    }
    out.tables.push(t);
  }

  // maths: KaTeX output, KaTeX errors, and TeX left raw in the text a reader sees (code is not text)
  out.katex = main.querySelectorAll(".katex").length;
  out.katex_errors = main.querySelectorAll(".katex-error").length;
  out.raw_tex = [];
  const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
  for (let n; (n = walker.nextNode()); ) {
    if (n.parentElement.closest("pre, code, script, style, .katex, .sourceCode")) continue;
    const m = /\\[()[\]]|\$\$/.exec(n.textContent);
    if (m) out.raw_tex.push(n.textContent.slice(Math.max(0, m.index - 30), m.index + 30));
  }

  // everything the page fetched from another origin
  out.remote = performance.getEntriesByType("resource").map((e) => e.name).filter((u) => new URL(u).origin !== location.origin);

  // figures: each picture in a cell output opens at full size
  const imgs = [...main.querySelectorAll(".cell-output img")];
  out.figures = imgs.length;
  out.figures_zoom_cursor = imgs.filter((i) => css(i).cursor === "zoom-in").length;
  if (imgs.length) {
    const img = imgs.find((i) => i.naturalWidth > i.getBoundingClientRect().width + 1) || imgs[0];
    const f = {natural: img.naturalWidth, shown: Math.round(img.getBoundingClientRect().width)};
    img.click();
    const big = [...document.querySelectorAll("body img")].find((i) => i !== img && i.src === img.src && visible(i));
    if (big) {
      const r = big.getBoundingClientRect(), top = document.elementFromPoint(vw / 2, Math.min(r.bottom, innerHeight) - 2);
      f.opened = Math.round(r.width);
      f.on_top = !!top && (top === big || big.parentElement.contains(top));
      document.dispatchEvent(new KeyboardEvent("keydown", {key: "Escape", bubbles: true}));
      f.closed = !visible(big) || !big.isConnected;
    }
    out.figure = f;
  }

  // code a reader must scroll sideways to read: each code cell's box, and its longest line
  out.code_cells = 0;
  out.code_overflow = [];
  for (const c of main.querySelectorAll("pre.cell-code")) {
    out.code_cells += 1;
    if (c.scrollWidth > c.clientWidth + 1) {
      const line = c.textContent.split("\n").reduce((a, b) => (b.length > a.length ? b : a), "");
      out.code_overflow.push(`${c.scrollWidth - c.clientWidth} px hidden: ${line.trim().slice(0, 80)}`);
    }
  }

  const pre = document.createElement("pre");
  pre.id = "tweetlab-probe";
  pre.hidden = true;
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
}, 500));
"""


@functools.lru_cache(maxsize=None)
def _probe(chrome, url):
    html = run_chromium(chrome, url, f"--window-size={WINDOW[0]},{WINDOW[1]}", "--dump-dom")
    node = parse(html).find(id="tweetlab-probe")
    assert node is not None, f"the probe script did not report on {url} (did the page load?)"
    return json.loads(node.text)


def probe(site, page):
    "What the probe measured on `page` in a WINDOW-sized window."
    chrome, base = site
    return _probe(chrome, urljoin(base, page) + "?probe")


@pytest.mark.parametrize("page", LAYOUT_PAGES)
def test_text_column_is_wide(site, page):
    "In a 1280 px window the text column is at least MIN_COLUMN wide (it was 644 px with the table of contents beside it)."
    p = probe(site, page)
    assert p["viewport"] == WINDOW[0], p["viewport"]
    assert p["column"] >= MIN_COLUMN, f"{page}: the text column is {p['column']} px wide in a {WINDOW[0]} px window, want >= {MIN_COLUMN}"


@pytest.mark.parametrize("page", WIDE_TABLE_PAGES + ["finetuning.html"])
def test_wide_tables_scroll_with_a_cue(site, page):
    "No table cell is cut off silently: a table wider than the column scrolls in its own box, which shows a shadow and a 'scroll' hint."
    p = probe(site, page)
    assert p["tables"], f"{page}: no table in a cell output"
    bad = [f"table {t['head']!r}...: {t['hidden']} of {t['cells']} cells cut off; scrolls={t['scrolls']}, hint={t['hint']!r}, shadow={t['shadow']}"
           for t in p["tables"] if t["hidden"] and not (t["scrolls"] and t["hint"] and t["shadow"])]
    assert not bad, f"{page}:\n" + "\n".join(bad)
    if page in WIDE_TABLE_PAGES:  # the check above has something to check
        assert any(t["hidden"] for t in p["tables"]), f"{page}: no table wider than the column any more; update WIDE_TABLE_PAGES"


@pytest.mark.parametrize("page", MATH_PAGES)
def test_math_renders(site, page):
    "Formulas render with KaTeX (served by the site itself): no raw TeX such as \\( or $$ in the text, no KaTeX errors."
    p = probe(site, page)
    assert not p["raw_tex"], f"{page}: raw TeX in the text (did KaTeX load?): {p['raw_tex'][:5]}"
    assert p["katex"] > 0, f"{page}: no KaTeX output (.katex): did KaTeX load?"
    assert p["katex_errors"] == 0, f"{page}: {p['katex_errors']} formulas KaTeX could not render"


def test_figures_open_at_full_size(site):
    "A click on a figure shows it at its full (natural) size over the page; Esc closes it."
    p = probe(site, FIGURE_PAGE)
    assert p["figures"], f"{FIGURE_PAGE}: no figure in a cell output"
    assert p["figures_zoom_cursor"] == p["figures"], f"{FIGURE_PAGE}: {p['figures'] - p['figures_zoom_cursor']} figures do not show they open"
    f = p["figure"]
    assert "opened" in f, f"{FIGURE_PAGE}: a click on a figure showed no larger copy of it: {f}"
    assert f["opened"] == f["natural"] and f["on_top"], f"{FIGURE_PAGE}: the figure opened {f['opened']} px wide (natural {f['natural']}), on top: {f['on_top']}"
    assert f["closed"], f"{FIGURE_PAGE}: Esc did not close the full-size figure"


LOADING_RELS = {"stylesheet", "icon", "preload", "modulepreload", "prefetch", "manifest"}  # <link>s the browser fetches
LOADING_ATTRS = {"script": "src", "img": "src", "iframe": "src", "source": "src", "video": "src", "audio": "src", "embed": "src", "object": "data"}


def test_nothing_loads_from_other_hosts(site):
    "No page loads a script, stylesheet, font, image or frame from a http(s) host: the site reads offline. Links (<a>) may go anywhere."
    remote = re.compile(r"^\s*(?:https?:)?//", re.I)
    bad = []
    for page in sorted(DOCS.rglob("*.html")):
        rel = page.relative_to(DOCS).as_posix()
        dom = parse(page.read_text(encoding="utf-8"))
        for n in dom.iter():
            urls = []
            if n.tag in LOADING_ATTRS:
                urls.append(n.attrs.get(LOADING_ATTRS[n.tag]) or "")
            if n.tag == "img" and n.attrs.get("srcset"):
                urls += [u.split()[0] for u in n.attrs["srcset"].split(",") if u.strip()]
            if n.tag == "link" and set((n.attrs.get("rel") or "").lower().split()) & LOADING_RELS:
                urls.append(n.attrs.get("href") or "")
            if n.tag == "script" and not n.attrs.get("src"):  # an ES module importing from a CDN (mermaid)
                urls += re.findall(r"""\bimport\b[^'"]*['"]((?:https?:)?//[^'"]+)""", n.text)
            bad += [f"{rel}: <{n.tag}> {u}" for u in urls if remote.match(u)]
    for sheet in sorted(DOCS.rglob("*.css")):
        text = re.sub(r"/\*.*?\*/", "", sheet.read_text(encoding="utf-8"), flags=re.S)
        for a, b in re.findall(r"""@import\s+(?:url\()?\s*["']?([^"')\s;]+)|url\(\s*["']?([^"')]+)""", text):
            if remote.match(a or b):
                bad.append(f"{sheet.relative_to(DOCS).as_posix()}: {a or b}")
    assert not bad, "loaded from other hosts:\n" + "\n".join(bad)
    # and what Chromium actually fetched on the measured pages
    for page in sorted(set(LAYOUT_PAGES + MATH_PAGES)):
        assert not probe(site, page)["remote"], f"{page} fetched from other hosts: {probe(site, page)['remote']}"


def course_pages(site):
    "The lessons in sidebar order (the course part of the sidebar)."
    links = sidebar_links(load(site, "index.html"), "index.html")
    return [l for l in links if not l.startswith("api/") and l != "index.html"]


def test_previous_next_links(site):
    "The foot of every lesson links to the previous and the next page of the sidebar, so a reader can go on in order."
    lessons = course_pages(site)
    assert len(lessons) > 5, lessons
    bad = []
    for i, page in enumerate(lessons):
        nav = load(site, page).find(tag="nav", cls="page-navigation")
        if nav is None:
            bad.append(f"{page}: no previous/next links"); continue
        hrefs = [urljoin("http://x/" + page, a.attrs.get("href") or "")[len("http://x/"):] for a in nav.find_all(tag="a")]
        want = ([lessons[i - 1]] if i > 0 else []) + ([lessons[i + 1]] if i + 1 < len(lessons) else [])
        if not all(w in hrefs for w in want): bad.append(f"{page}: links {hrefs}, want {want}")
    assert not bad, "\n".join(bad)


def test_no_links_to_missing_places(site):
    "No page links to a repository the project does not have (source links, issue buttons) or to a line 'None'."
    bad = []
    for page in sorted(p for p in DOCS.rglob("*.html") if "site_libs" not in p.parts):
        for a in parse(page.read_text(encoding="utf-8")).find_all(tag="a"):
            href = a.attrs.get("href") or ""
            if "github.com/tweetlab/" in href or href.endswith("#LNone") or re.search(r"(^|/)blob/main/", href):
                bad.append(f"{page.relative_to(DOCS).as_posix()}: {href}")
    assert not bad, "links to places that do not exist:\n" + "\n".join(sorted(set(bad))[:20])


@pytest.mark.parametrize("page", sorted(TEACHING_CODE))
def test_teaching_code_is_on_the_page(site, page):
    "The code a lesson teaches is shown on its page, not only a signature and a docstring."
    code = "\n".join(pre.text for pre in load(site, page).find_all(tag="pre", cls="cell-code"))
    missing = [w for w in TEACHING_CODE[page] if w not in code]
    assert not missing, f"{page}: the code cells shown do not contain {missing} (an `#| export` cell hides its code: use `#| exports`)"


def test_code_fits_the_column(site):
    "No code cell of a lesson needs sideways scrolling in a 1280 px window (lines of at most 100 characters fit)."
    bad = []
    for page in ["index.html"] + course_pages(site):
        p = probe(site, page)
        assert p["code_cells"] or page == "index.html", f"{page}: no code cells found (pre.cell-code)"
        bad += [f"{page}: {o}" for o in p["code_overflow"]]
    assert not bad, f"{len(bad)} code cells wider than the text column:\n" + "\n".join(bad[:30])
