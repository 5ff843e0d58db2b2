"Tests for tweetlab.finetune on a tiny random BERT (2 layers, hidden 32) with the default encoder's tokenizer: fast, offline."
import json
import os

import numpy as np
import pandas as pd
import pytest
import torch
from datasets import DatasetDict

from tweetlab.data import make_sample
from tweetlab import finetune as ft
from tweetlab.finetune import (TrainConfig, count_trainable, freeze_encoder, get_finetuned, highest_loss, load_classifier,
                               make_classifier, predict, save_classifier, train, train_loop)

NAMES = ["anger", "joy", "optimism", "sadness"]
TINY = TrainConfig(epochs=1, max_steps=2, batch_size=8, max_length=32, eval_batch_size=32, patience=1)


@pytest.fixture(scope="module")
def tiny_encoder(tmp_path_factory):
    "A folder with a randomly initialised 2-layer BERT and the default encoder's tokenizer."
    from transformers import BertConfig, BertModel
    d = tmp_path_factory.mktemp("tiny-bert")
    tok = ft.load_tokenizer()
    torch.manual_seed(0)
    BertModel(BertConfig(vocab_size=tok.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                         intermediate_size=64, max_position_embeddings=128)).save_pretrained(d)
    tok.save_pretrained(d)
    return str(d)


@pytest.fixture(scope="module")
def sample():
    dsd = make_sample(n_train=48, n_validation=24, n_test=24)
    return dsd


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TWEETLAB_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_offline_env():
    assert os.environ["HF_HUB_OFFLINE"] == "1"


def test_make_classifier_label_maps(tiny_encoder, sample):
    m = make_classifier(tiny_encoder, labels=NAMES)
    assert m.config.id2label == dict(enumerate(NAMES)) and m.config.label2id == {n: i for i, n in enumerate(NAMES)}
    m2 = make_classifier(tiny_encoder, labels=sample)            # a DatasetDict gives its ClassLabel names
    assert list(m2.config.id2label.values()) == sample["train"].features["label"].names
    # same seed, same head
    assert torch.equal(make_classifier(tiny_encoder, labels=NAMES).classifier.weight, m.classifier.weight)


@pytest.mark.parametrize("bad", [None, ["joy"], ["a", "a"], ["a", 3]])
def test_make_classifier_bad_labels(tiny_encoder, bad):
    with pytest.raises((ValueError, TypeError)):
        make_classifier(tiny_encoder, labels=bad)


def test_missing_model_is_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        make_classifier(str(tmp_path / "nope"), labels=NAMES)
    with pytest.raises(OSError):                                 # a Hub name with the Hub off: fails, does not wait
        make_classifier("someone/not-a-real-model-xyz", labels=NAMES)


def test_freeze_encoder(tiny_encoder):
    m = freeze_encoder(make_classifier(tiny_encoder, labels=NAMES))
    assert {n for n, p in m.named_parameters() if p.requires_grad} == {"classifier.weight", "classifier.bias"}
    assert count_trainable(m)[0] == 32 * 4 + 4
    freeze_encoder(m, freeze=False)
    assert count_trainable(m)[0] == count_trainable(m)[1]
    with pytest.raises(TypeError):
        freeze_encoder(torch.nn.Linear(2, 2))


def test_predict_shapes_and_probabilities(tiny_encoder):
    m, tok = make_classifier(tiny_encoder, labels=NAMES), ft.load_tokenizer(tiny_encoder)
    texts = ["so happy today!!", "I hate this", "a much longer tweet " * 10, "ok"]
    ids, p = predict(m, texts, tok, batch_size=3)
    assert ids.shape == (4,) and p.shape == (4, 4) and np.allclose(p.sum(1), 1, atol=1e-5)
    assert np.array_equal(ids, p.argmax(1))
    names, _ = predict(m, texts, tok, as_names=True)
    assert set(names) <= set(NAMES)
    ids2, p2 = predict(m, texts)                                  # tokenizer found from the model's folder
    assert np.allclose(p, p2, atol=1e-6)


@pytest.mark.parametrize("bad, err", [([], ValueError), ("one string", TypeError), (["ok", None], TypeError)])
def test_predict_bad_input(tiny_encoder, bad, err):
    m = make_classifier(tiny_encoder, labels=NAMES)
    with pytest.raises(err):
        predict(m, bad, ft.load_tokenizer(tiny_encoder))


def test_save_load_round_trip(tiny_encoder, tmp_path):
    m, tok = make_classifier(tiny_encoder, labels=NAMES), ft.load_tokenizer(tiny_encoder)
    texts = ["so happy today!!", "I hate this", "sad :(", "optimistic about tomorrow"]
    before = predict(m, texts, tok)
    path = save_classifier(m, tok, tmp_path / "clf")
    files = {p.name for p in path.iterdir()}
    assert "model.safetensors" in files and "config.json" in files and not any(f.endswith((".bin", ".pt", ".pkl")) for f in files)
    m2, tok2 = load_classifier(path)
    after = predict(m2, texts, tok2)
    assert np.array_equal(before[0], after[0]) and np.allclose(before[1], after[1], atol=1e-6)
    assert m2.config.id2label == m.config.id2label
    with pytest.raises(FileExistsError):
        save_classifier(m, tok, path)
    with pytest.raises(FileNotFoundError, match="not a saved classifier"):
        load_classifier(tmp_path)


@pytest.mark.parametrize("fit", [train, train_loop])
def test_train_runs_and_checks_labels(tiny_encoder, sample, cache, fit):
    tok = ft.load_tokenizer(tiny_encoder)
    data = DatasetDict(train=sample["train"], validation=sample["validation"])
    res = fit(make_classifier(tiny_encoder, labels=sample), tok, data, TINY, progress=False)
    assert res.info["steps"] == 2 and 0 <= res.best_score <= 1 and not res.model.training
    assert {"train_loss", "val_macro_f1"} <= set(res.history.columns) and res.history["val_macro_f1"].notna().sum() == 1
    with pytest.raises(ValueError, match="output classes"):       # model with 2 classes, data with 4
        fit(make_classifier(tiny_encoder, labels=["neg", "pos"]), tok, data, TINY, progress=False)
    with pytest.raises(ValueError, match="validation"):
        fit(make_classifier(tiny_encoder, labels=sample), tok, DatasetDict(train=sample["train"]), TINY, progress=False)


def test_class_weights(tiny_encoder, sample, cache):
    tok = ft.load_tokenizer(tiny_encoder)
    data = DatasetDict(train=sample["train"], validation=sample["validation"])
    res = train(make_classifier(tiny_encoder, labels=sample), tok, data, TINY, class_weights="balanced", progress=False)
    assert res.info["steps"] == 2
    with pytest.raises(ValueError, match="class_weights"):
        train(make_classifier(tiny_encoder, labels=sample), tok, data, TINY, class_weights=[1.0, 2.0], progress=False)


def test_get_finetuned_caches(tiny_encoder, cache, monkeypatch):
    kw = dict(dataset="sample", encoder=tiny_encoder, config=TINY, quick=True, progress=False)
    first = get_finetuned(**kw)
    assert first.path.is_dir() and first.path.parent == cache / "models" and first.key["quick"]
    meta = json.loads((first.path / "tweetlab.json").read_text())
    assert meta["key"] == first.key and meta["info"]["steps"] == 2
    monkeypatch.setattr(ft, "train", lambda *a, **k: pytest.fail("trained twice"))   # second call must hit the cache
    second = get_finetuned(**kw)
    texts = ["so happy today!!", "I hate this"]
    assert second.path == first.path and np.allclose(first.predict(texts)[1], second.predict(texts)[1], atol=1e-6)
    assert ft.finetuned_path(**{k: v for k, v in kw.items() if k != "progress"}) == first.path
    assert ft.finetuned_path(dataset="sample", encoder=tiny_encoder, config=TINY, quick=True, head_only=True) != first.path
    assert not [p for p in (cache / "models").iterdir() if p.name.startswith(".")]       # no temp folders left


def test_get_finetuned_rebuilds_damaged(tiny_encoder, cache):
    kw = dict(dataset="sample", encoder=tiny_encoder, config=TINY, quick=True, method="loop", progress=False)
    first = get_finetuned(**kw)
    (first.path / "model.safetensors").write_bytes(b"garbage")
    with pytest.warns(UserWarning, match="damaged"):
        again = get_finetuned(**kw)
    assert again.path == first.path and (again.path / "model.safetensors").stat().st_size > 100


def test_highest_loss():
    P = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
    df = highest_loss(["a", "b", "c"], [1, 1, 0], P, ["x", "y"], k=2)
    assert list(df.index) == [0, 2] and df["loss"].is_monotonic_decreasing
    with pytest.raises(ValueError):
        highest_loss(["a"], [0, 1], P, ["x", "y"])


def test_search_hyperparameters(tiny_encoder, sample, cache):
    pytest.importorskip("optuna")
    data = DatasetDict(train=sample["train"], validation=sample["validation"])
    df = ft.search_hyperparameters(data, n_trials=2, encoder=tiny_encoder, base=TINY, epochs=(1, 1), batch_sizes=(8,))
    assert len(df) == 2 and {"lr", "batch_size", "epochs", "val macro-F1"} <= set(df.columns)
    assert df["val macro-F1"].is_monotonic_decreasing


def test_read_and_write_record(tmp_path):
    path, key = tmp_path / "models" / "m", {"format": 1, "config": {"lr": 1e-4}}
    saved = lambda d: (d / "weights.txt").write_text("w")
    assert ft.read_record(path, key, lambda p: 1) is None                       # nothing cached yet
    ft.write_record(path, key, {"steps": 3}, pd.DataFrame({"epoch": [1.0]}), saved)
    (obj, rec) = ft.read_record(path, key, lambda p: (p / "weights.txt").read_text())
    assert obj == "w" and rec["info"] == {"steps": 3} and rec["history"] == {"epoch": [1.0]}
    assert not [p for p in path.parent.iterdir() if p.name != "m"]              # no temporary folder left
    with pytest.warns(UserWarning, match="damaged.*key differs"):               # another key: rebuilt, not reused
        assert ft.read_record(path, {**key, "format": 2}, lambda p: 1) is None
    assert not path.exists()
    ft.write_record(path, key, {}, pd.DataFrame(), saved)
    (path / "tweetlab.json").write_text("{not json")
    with pytest.warns(UserWarning, match="Cached student .* damaged"):
        assert ft.read_record(path, key, lambda p: 1, "student") is None


def test_quiet_datasets_restores_the_setting():
    "Progress bars are off inside the block and back to the caller's setting after it, even after an error."
    import datasets
    datasets.enable_progress_bars()
    with ft.quiet_datasets(): assert datasets.are_progress_bars_disabled()
    assert not datasets.are_progress_bars_disabled()
    with pytest.raises(RuntimeError):
        with ft.quiet_datasets(): raise RuntimeError("boom")
    assert not datasets.are_progress_bars_disabled()
    datasets.disable_progress_bars()
    with ft.quiet_datasets(): pass
    assert datasets.are_progress_bars_disabled()                     # a caller who turned them off keeps them off
    datasets.enable_progress_bars()
