"Training on several processes (torchrun, gloo on the CPU): the model folder is written once and loads; bad launches say why."
import os
import subprocess
import sys

import pytest

from tweetlab import TweetClassifier
from tweetlab.api.training import per_device_batch


def launch(n, args, tmp_path, timeout=110):
    env = {**os.environ, "TWEETLAB_CACHE": str(tmp_path / "cache"), "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", str(n), "-m", "tweetlab.cli", *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)


def test_two_processes_write_one_model_folder(tiny_encoder, tmp_path):
    out = tmp_path / "model"
    r = launch(2, ["train", "sample", "--out", str(out), "--quick", "--encoder", tiny_encoder], tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.count("Saved to") == 1                         # the main process reports, once
    clf = TweetClassifier.load(out)
    assert clf.labels == ["anger", "joy", "optimism", "sadness"] and len(clf.predict(["so happy today", "never again"])) == 2
    assert "validation" in clf.scores and (out / "README.md").is_file()
    assert not list(tmp_path.glob(".model*")), "a leftover temporary folder"


def test_more_processes_than_the_batch_is_a_clear_error(tiny_encoder, tmp_path):
    r = launch(3, ["train", "sample", "--out", str(tmp_path / "m"), "--quick", "--encoder", tiny_encoder, "--batch-size", "2"], tmp_path)
    assert r.returncode != 0
    assert "3 processes cannot share a batch of 2" in r.stderr + r.stdout
    assert not (tmp_path / "m").exists()


def test_per_device_batch():
    assert per_device_batch(16, 2) == 8 and per_device_batch(32, 4) == 8
    with pytest.raises(ValueError, match="divisible by 3"): per_device_batch(16, 3)
    with pytest.raises(ValueError, match="at most 4"): per_device_batch(4, 8)
