"""Size of each lesson as a reader meets it: words of prose (exercises apart), words of exercises, visible code lines
and those over 100 characters. Run from the project root: python scripts/course_stats.py [--markdown]."""
import json
import re
import sys
from pathlib import Path

HIDDEN = re.compile(r"^\s*#\|\s*(hide|export\b(?!s))", re.M)    # cells the site does not show (`#| exports` is shown)
EXERCISES = re.compile(r"^#+\s*Exercises", re.M)


def words(text: str) -> int:
    text = re.sub(r"```.*?```", " ", text, flags=re.S)               # code in the prose is counted as code, not words
    text = re.sub(r"<[^>]+>|\$[^$]*\$|\]\([^)]*\)", " ", text)       # tags, maths, link targets
    return len(re.findall(r"[A-Za-z0-9][\w'’.-]*", text))


def stats(path: Path) -> dict:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    prose = exercises = code = long = 0
    in_ex = False
    for c in cells:
        src = "".join(c["source"])
        if c["cell_type"] == "markdown":
            m = EXERCISES.search(src)
            if m and not in_ex:
                prose += words(src[:m.start()]); exercises += words(src[m.start():]); in_ex = True
            elif in_ex: exercises += words(src)
            else: prose += words(src)
        elif c["cell_type"] == "code" and not HIDDEN.search(src):
            lines = [l for l in src.splitlines() if l.strip() and not l.lstrip().startswith("#|")]
            code += len(lines); long += sum(len(l) > 100 for l in lines)
    return {"page": path.stem, "prose words": prose, "exercise words": exercises, "code lines": code, "lines > 100": long}


if __name__ == "__main__":
    rows = [stats(p) for p in sorted(Path("nbs").glob("[0-9]*.ipynb")) + [Path("nbs/index.ipynb")]]
    keys = list(rows[0])
    total = {"page": "total", **{k: sum(r[k] for r in rows) for k in keys[1:]}}
    if "--markdown" in sys.argv:
        print("| " + " | ".join(keys) + " |\n|" + "---|" * len(keys))
        for r in rows + [total]: print("| " + " | ".join(str(r[k]) for k in keys) + " |")
    else:
        for r in rows + [total]: print(f"{r['page']:<20}" + "".join(f"{r[k]:>16}" for k in keys[1:]))
