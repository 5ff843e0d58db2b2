"Tests for tweetlab.models.finetune on a tiny random BERT (2 layers, hidden 32) with the default encoder's tokenizer: fast, offline."
import json
import os

import numpy as np
import pandas as pd
import pytest
import torch
from datasets import DatasetDict

from tweetlab.data.tweets import make_sample
from tweetlab.models import finetune as ft
from tweetlab.core.cache import CacheWarning
from tweetlab.train.inference import predict
from tweetlab.core.hub import load_tokenizer
from tweetlab.train.trainer import TrainConfig
from tweetlab.app import course_models as models
from tweetlab.train.trainer import load_classifier, save_classifier
from tweetlab.models.finetune import count_trainable, freeze_encoder, make_classifier, train, train_loop
from tweetlab.app.course_models import get_finetuned
from tweetlab.assess.metrics import top_losses

NAMES = ["anger", "joy", "optimism", "sadness"]
TINY = TrainConfig(epochs=1, max_steps=2, batch_size=8, max_length=32, eval_batch_size=32, patience=1)


@pytest.fixture(scope="module")
def tiny_encoder(tmp_path_factory):
    "A folder with a randomly initialised 2-layer BERT and the default encoder's tokenizer."
    from transformers import BertConfig, BertModel
    d = tmp_path_factory.mktemp("tiny-bert")
    tok = load_tokenizer()
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
    m, tok = make_classifier(tiny_encoder, labels=NAMES), load_tokenizer(tiny_encoder)
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
        predict(m, bad, load_tokenizer(tiny_encoder))


def test_save_load_round_trip(tiny_encoder, tmp_path):
    m, tok = make_classifier(tiny_encoder, labels=NAMES), load_tokenizer(tiny_encoder)
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
    tok = load_tokenizer(tiny_encoder)
    data = DatasetDict(train=sample["train"], validation=sample["validation"])
    res = fit(make_classifier(tiny_encoder, labels=sample), tok, data, TINY, progress=False)
    assert res.info["steps"] == 2 and 0 <= res.best_score <= 1 and not res.model.training
    assert {"train_loss", "val_macro_f1"} <= set(res.history.columns) and res.history["val_macro_f1"].notna().sum() == 1
    with pytest.raises(ValueError, match="output classes"):       # model with 2 classes, data with 4
        fit(make_classifier(tiny_encoder, labels=["neg", "pos"]), tok, data, TINY, progress=False)
    with pytest.raises(ValueError, match="validation"):
        fit(make_classifier(tiny_encoder, labels=sample), tok, DatasetDict(train=sample["train"]), TINY, progress=False)


def test_class_weights(tiny_encoder, sample, cache):
    tok = load_tokenizer(tiny_encoder)
    data = DatasetDict(train=sample["train"], validation=sample["validation"])
    res = train(make_classifier(tiny_encoder, labels=sample), tok, data, TINY, class_weights="balanced", progress=False)
    assert res.info["steps"] == 2
    with pytest.raises(ValueError, match="class_weights"):
        train(make_classifier(tiny_encoder, labels=sample), tok, data, TINY, class_weights=[1.0, 2.0], progress=False)


def test_get_finetuned_caches(tiny_encoder, cache, monkeypatch):
    kw = dict(dataset="sample", encoder=tiny_encoder, config=TINY, n_train=40, n_validation=20, progress=False)
    first = get_finetuned(**kw)
    assert first.path.is_dir() and first.path.parent == cache / "models" and first.key["n_train"] == 40
    meta = json.loads((first.path / "tweetlab.json").read_text())
    assert meta["key"] == first.key and meta["info"]["steps"] == 2 and meta["info"]["n_train"] == 40
    monkeypatch.setattr(models, "train", lambda *a, **k: pytest.fail("trained twice"))   # second call must hit the cache
    second = get_finetuned(**kw)
    texts = ["so happy today!!", "I hate this"]
    assert second.path == first.path and np.allclose(first.predict(texts)[1], second.predict(texts)[1], atol=1e-6)
    assert models.finetune_key("sample", tiny_encoder, TINY, head_only=True, n_train=40, n_validation=20) != first.key
    assert not [p for p in (cache / "models").iterdir() if p.name.startswith(".") or p.name.endswith(".tmp")]   # no temp folders left


def test_get_finetuned_rebuilds_damaged(tiny_encoder, cache):
    kw = dict(dataset="sample", encoder=tiny_encoder, config=TINY, method="loop", progress=False)
    first = get_finetuned(**kw)
    (first.path / "model.safetensors").write_bytes(b"garbage")
    with pytest.warns(CacheWarning, match="damaged"):
        again = get_finetuned(**kw)
    assert again.path == first.path and (again.path / "model.safetensors").stat().st_size > 100


def test_failed_load_keeps_the_model(tiny_encoder, cache, monkeypatch):
    "Loading a cached model onto a device this machine lacks raises, and the trained model stays on disk."
    kw = dict(dataset="sample", encoder=tiny_encoder, config=TINY, progress=False)
    first = get_finetuned(**kw)
    files = sorted(p.name for p in first.path.iterdir())
    missing = "cuda:7" if not torch.cuda.is_available() else "meta-device-that-does-not-exist"
    with pytest.raises(Exception):
        get_finetuned(**kw, device=missing)
    assert sorted(p.name for p in first.path.iterdir()) == files
    monkeypatch.setattr(models, "train", lambda *a, **k: pytest.fail("trained again"))   # still a cache hit afterwards
    assert get_finetuned(**kw).path == first.path


def test_top_losses():
    P = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
    df = top_losses(["a", "b", "c"], [1, 1, 0], P, ["x", "y"], k=2)
    assert list(df.index) == [0, 2] and df["loss"].is_monotonic_decreasing
    with pytest.raises(ValueError):
        top_losses(["a"], [0, 1], P, ["x", "y"])


def test_search_hyperparameters(tiny_encoder, sample, cache):
    pytest.importorskip("optuna")
    data = DatasetDict(train=sample["train"], validation=sample["validation"])
    from tweetlab.course.search import search_hyperparameters
    df = search_hyperparameters(data, n_trials=2, encoder=tiny_encoder, base=TINY, epochs=(1, 1), batch_sizes=(8,))
    assert len(df) == 2 and {"lr", "batch_size", "epochs", "val macro-F1"} <= set(df.columns)
    assert df["val macro-F1"].is_monotonic_decreasing
