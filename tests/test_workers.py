"tweetlab predict --workers: the same bytes as one worker, input order, and a dead worker leaves no output behind."
import multiprocessing
import os
import signal
import threading
import time

import pandas as pd
import pytest

from tweetlab import TrainConfig, TweetClassifier
from tweetlab.app.cli import main, predict_file
from tweetlab.data.tweets import make_sample


@pytest.fixture(scope="module")
def model_dir(tiny_encoder, tmp_path_factory):
    clf = TweetClassifier(tiny_encoder, TrainConfig(epochs=1, max_steps=3, batch_size=16))
    clf.fit(make_sample(n_train=80, n_validation=20, n_test=20), progress=False)
    return str(clf.save(tmp_path_factory.mktemp("workers") / "model"))


@pytest.fixture(scope="module")
def tweets(tmp_path_factory):
    texts = list(make_sample(n_train=300, n_validation=10, n_test=10)["train"]["text"])
    texts[7] = ""                                                  # a blank row keeps its place
    path = tmp_path_factory.mktemp("in") / "tweets.csv"
    pd.DataFrame({"id": range(len(texts)), "text": texts}).to_csv(path, index=False)
    return path


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_two_workers_write_the_same_bytes(model_dir, tweets, tmp_path, suffix):
    one, two = tmp_path / f"one{suffix}", tmp_path / f"two{suffix}"
    r1 = predict_file(model_dir, tweets, one, chunk_size=40, progress=False, engine="torch", workers=1)
    r2 = predict_file(model_dir, tweets, two, chunk_size=40, progress=False, engine="torch", workers=2)
    assert one.read_bytes() == two.read_bytes()
    assert (r1["rows"], r1["empty"]) == (r2["rows"], r2["empty"]) == (300, [8])
    assert r2["workers"] == 2


def test_workers_keep_input_order_on_the_command_line(model_dir, tweets, tmp_path):
    out = tmp_path / "cli.csv"
    assert main(["predict", model_dir, str(tweets), "--out", str(out), "--workers", "2", "--chunk-size", "25", "--engine", "torch"]) == 0
    assert pd.read_csv(out)["id"].tolist() == list(range(300))


@pytest.mark.parametrize("bad", [0, -2])
def test_bad_worker_count(model_dir, tweets, bad):
    assert main(["predict", model_dir, str(tweets), "--workers", str(bad)]) == 2


def test_a_dead_worker_fails_the_run_and_leaves_no_file(model_dir, tmp_path):
    texts = [f"tweet number {i} about the weather and the match tonight" for i in range(20000)]
    src = tmp_path / "many.txt"
    src.write_text("\n".join(texts) + "\n")
    out = tmp_path / "out.csv"
    result = {}
    def run():
        try: predict_file(model_dir, src, out, chunk_size=200, progress=False, engine="torch", workers=2)
        except Exception as e: result["error"] = e
    t = threading.Thread(target=run)
    t.start()
    partial = tmp_path / ".out.csv.partial"
    deadline = time.time() + 90
    while not partial.exists() and time.time() < deadline and t.is_alive(): time.sleep(0.05)
    assert partial.exists(), "the run never wrote its first chunk"
    victim = multiprocessing.active_children()[0]
    os.kill(victim.pid, signal.SIGKILL)
    t.join(120)
    assert isinstance(result.get("error"), ChildProcessError), result
    assert "stopped unexpectedly" in str(result["error"])
    assert not out.exists() and not partial.exists()
