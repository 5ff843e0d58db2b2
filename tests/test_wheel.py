"From a built wheel, installed outside the repository (no editable install): the five-line Python use and the commands."
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIVE_LINES = '''
import tweetlab
from tweetlab import TweetClassifier
clf = TweetClassifier(config="finetune-quick").fit("tweets.csv")
print("PRED", list(clf.predict(["what a day!", "never again"])))
print("EVAL", round(clf.evaluate("tweets.csv")["official"], 3))
clf.save("model")
from tweetlab.features.lexicons import load_lexicon
print("FILE", tweetlab.__file__, len(load_lexicon("afinn")) > 1000)
'''


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    "A wheel of this checkout installed with --target into a folder outside the repository: (site folder, env)."
    pytest.importorskip("setuptools")                         # the build backend, without build isolation (offline)
    tmp = tmp_path_factory.mktemp("wheel")
    pip = [sys.executable, "-m", "pip", "-q", "--disable-pip-version-check"]
    had_build = (ROOT / "build").exists()
    try: subprocess.run(pip + ["wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp / "dist"), str(ROOT)], check=True, cwd=tmp)
    finally:
        if not had_build: shutil.rmtree(ROOT / "build", ignore_errors=True)    # setuptools' scratch folder, not ours to leave
    wheel = next((tmp / "dist").glob("tweetlab-*.whl"))
    subprocess.run(pip + ["install", "--no-deps", "--target", str(tmp / "site"), str(wheel)], check=True, cwd=tmp)
    env = {**os.environ, "PYTHONPATH": str(tmp / "site"), "HF_HUB_OFFLINE": "1", "MPLBACKEND": "Agg"}
    from tweetlab.data.tweets import make_sample
    s = make_sample(n_train=100)["train"]
    import pandas as pd
    pd.DataFrame({"text": s["text"], "label": s.features["label"].int2str(s["label"])}).to_csv(tmp / "tweets.csv", index=False)
    return tmp, env


def test_five_lines_from_the_wheel(installed):
    tmp, env = installed
    r = subprocess.run([sys.executable, "-c", FIVE_LINES], cwd=tmp, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    out = dict(line.split(" ", 1) for line in r.stdout.splitlines() if line[:4] in ("PRED", "EVAL", "FILE"))
    assert out["FILE"].startswith(str(tmp / "site")) and out["FILE"].endswith("True")     # the wheel, its lexicons included
    card = (tmp / "model" / "README.md").read_text()          # the card template ships inside the wheel
    assert "## Scores" in card and "library_name: transformers" in card


def test_commands_from_the_wheel(installed):
    tmp, env = installed
    exe = str(tmp / "site" / "bin" / "tweetlab")
    def run(*args): return subprocess.run([exe, *args], cwd=tmp, env=env, capture_output=True, text=True, timeout=600)
    r = run("train", "tweets.csv", "--out", "cli-model", "--quick")
    assert r.returncode == 0 and "Saved to cli-model" in r.stdout, r.stderr[-3000:]
    r = run("predict", "cli-model", "tweets.csv", "--out", "pred.csv")
    assert r.returncode == 0 and (tmp / "pred.csv").read_text().count("\n") == 101, r.stderr[-3000:]
    r = run("evaluate", "cli-model", "tweets.csv")
    assert r.returncode == 0 and "macro-averaged F1" in r.stdout, r.stderr[-3000:]
    r = run("info", "cli-model")
    assert r.returncode == 0 and "## Scores" in r.stdout
