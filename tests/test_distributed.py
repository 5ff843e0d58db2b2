"Training on several processes (torchrun, gloo on the CPU): the model folder is written once and loads; bad launches say why."
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from tweetlab import TweetClassifier
from tweetlab.train.trainer import per_device_batch


def launch(n, args, tmp_path, timeout=110):
    env = {**os.environ, "TWEETLAB_CACHE": str(tmp_path / "cache"), "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", str(n), "-m", "tweetlab.app.cli", *args]
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


LOOP_SCRIPT = '''
import json, sys
from dataclasses import replace
from tweetlab.core.hub import load_tokenizer
from tweetlab.train.trainer import TrainConfig, save_classifier
from tweetlab.core.processes import is_main_process
from tweetlab.data.tweets import make_sample
from tweetlab.models.finetune import make_classifier, train_loop
encoder, out = sys.argv[1], sys.argv[2]
data = make_sample(n_train=48, n_validation=27, n_test=8)            # 27: the last validation batch is padded on 2 processes
cfg = TrainConfig(epochs=2, batch_size=8, eval_batch_size=4, max_length=32, patience=2, lr=1e-3)
res = train_loop(make_classifier(encoder, labels=data), load_tokenizer(encoder), data, cfg, progress=False)
if is_main_process():
    save_classifier(res.model, res.tokenizer, out + "/model")
    json.dump({"best": res.best_score, "steps": res.info["steps"], "epoch": res.best_epoch}, open(out + "/result.json", "w"))
print("RESULT written by", "main" if is_main_process() else "another process")
'''


def run_loop(n, encoder, out, accelerate=True):
    out.mkdir()
    (out / "loop.py").write_text(LOOP_SCRIPT)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg", "TWEETLAB_CACHE": str(out / "cache")}
    launch = ([sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", str(n), "--num_machines", "1",
               "--mixed_precision", "no", "--dynamo_backend", "no"] if accelerate else [sys.executable])
    r = subprocess.run([*launch, str(out / "loop.py"), encoder, str(out)], capture_output=True, text=True, env=env, timeout=110)
    assert r.returncode == 0, r.stderr[-3000:]
    return r, json.loads((out / "result.json").read_text())


def test_hand_written_loop_on_two_processes(tiny_encoder, tmp_path):
    "accelerate launch: same steps as one process, the score counts each validation tweet once, one model folder."
    from tweetlab.train.inference import predict
    from tweetlab.train.trainer import load_classifier, macro_f1
    from tweetlab.data.tweets import make_sample
    r2, two = run_loop(2, tiny_encoder, tmp_path / "two")
    _, one = run_loop(1, tiny_encoder, tmp_path / "one", accelerate=False)
    assert r2.stdout.count("written by main") == 1 and r2.stdout.count("written by another") == 1
    assert two["steps"] == one["steps"] == 12                      # 48 tweets / global batch 8 x 2 epochs
    model, tok = load_classifier(tmp_path / "two" / "model")       # the kept epoch's weights, scored here in one process
    val = make_sample(n_train=48, n_validation=27, n_test=8)["validation"]
    pred, _ = predict(model, list(val["text"]), tok, max_length=32)
    assert two["best"] == pytest.approx(macro_f1(np.asarray(val["label"]), pred, 4), abs=1e-9)


def test_loop_mixed_precision_on_cpu(tiny_encoder):
    "bf16 autocast runs on a CPU too; an unknown precision is a clear error."
    from tweetlab.core.hub import load_tokenizer
    from tweetlab.train.trainer import TrainConfig, precision
    from tweetlab.data.tweets import make_sample
    from tweetlab.models.finetune import make_classifier, train_loop
    data = make_sample(n_train=32, n_validation=16, n_test=8)
    cfg = TrainConfig(epochs=1, max_steps=3, batch_size=8, max_length=32)
    res = train_loop(make_classifier(tiny_encoder, labels=data), load_tokenizer(tiny_encoder), data, cfg, progress=False, mixed_precision="bf16")
    assert res.info["steps"] == 3 and np.isfinite(res.history["train_loss"].dropna()).all()
    assert next(res.model.parameters()).dtype == torch.float32      # weights stay float32; only the forward pass is bf16
    with pytest.raises(ValueError, match="'no', 'fp16' or 'bf16'"): precision("fp8")
    assert precision("bf16") == "bf16"
    if not torch.cuda.is_available(): assert precision() == "no"   # float32 by default on a CPU
