"Tests for tweetlab.course.transfer: label alignment, the corpus guard of BowEncoder, the MLP loop, persistence and bad input."
import json

import numpy as np
import pytest
import scipy.sparse as sp
from datasets import ClassLabel, Dataset, DatasetDict
from hypothesis import given, settings, strategies as st

from tweetlab.course.corpora import (STAGES, BowEncoder, CorpusMismatchError, LabelAlignmentError, align_labels, shared_classes,
                                   transfer_summary, transfer_table)
from tweetlab.course.mlp import MLP, load_mlp, predict_mlp, save_mlp
from tweetlab.course import transfer
from tweetlab.core.config import set_seed
from tweetlab.course.transfer import MLPConfig, train_mlp, transfer_experiment


def corpus(labels, names, split="train"):
    ds = Dataset.from_dict({"text": [f"tweet {i}" for i in range(len(labels))], "label": list(labels)})
    return DatasetDict({split: ds.cast_column("label", ClassLabel(names=list(names)))})


CARER = ["sadness", "joy", "love", "anger", "fear", "surprise"]
TE = ["anger", "joy", "optimism", "sadness"]


# ---- label alignment
def test_align_counts_and_labels():
    a = DatasetDict({**corpus([0, 1, 2, 3, 4, 5, 0, 1, 1], CARER), **corpus([3, 3, 2], CARER, "test")})
    b = corpus([0, 1, 2, 3, 2], TE)
    al = align_labels(a, b, names=("CARER", "TweetEval"))
    assert al.classes == ["anger", "joy", "sadness"]
    assert len(al.a["train"]) == 6 and len(al.a["test"]) == 2 and len(al.b["train"]) == 3
    names = al.a["train"].features["label"].names
    assert [names[i] for i in al.a["train"]["label"]] == ["sadness", "joy", "anger", "sadness", "joy", "joy"]
    assert al.a["train"]["text"] == ["tweet 0", "tweet 1", "tweet 3", "tweet 6", "tweet 7", "tweet 8"]
    d = al.dropped()
    assert d.loc[("CARER", "love"), "train"] == 1 and d.loc[("CARER", "love"), "test"] == 1
    assert d.loc[("TweetEval", "optimism"), "train"] == 2
    rep = al.report
    assert rep.query("corpus == 'CARER' and split == 'train'")["n"].sum() == 9
    assert rep.query("kept")["n"].sum() == 6 + 2 + 3
    assert "CARER: kept 8 tweets, dropped 4" in al.summary() and "optimism" in al.summary()


def test_align_mapping_merges_classes():
    a, b = corpus([0, 1, 2], CARER), corpus([0, 1, 2, 3], TE)
    al = align_labels(a, b, mapping={"love": "joy", "optimism": "joy"})
    assert al.classes == ["anger", "joy", "sadness"]
    assert len(al.a["train"]) == 3 and len(al.b["train"]) == 4
    names = al.b["train"].features["label"].names
    assert [names[i] for i in al.b["train"]["label"]] == ["anger", "joy", "joy", "sadness"]
    assert "optimism->joy" in al.summary()


@pytest.mark.parametrize("b_names,mapping,msg", [
    (["hate", "neutral"], None, "share no class"),
    (["joy", "hate"], None, "share only the class 'joy'"),
    (TE, {"optimsm": "joy"}, "class of neither corpus"),
    (TE, {"optimism": ""}, "non-empty class names"),
])
def test_align_errors(b_names, mapping, msg):
    with pytest.raises(LabelAlignmentError, match=msg):
        align_labels(corpus([0, 1, 2], CARER), corpus([0, 1], b_names), mapping=mapping)


def test_align_bad_input():
    plain = DatasetDict({"train": Dataset.from_dict({"text": ["a"], "label": [0]})})
    with pytest.raises(LabelAlignmentError, match="no ClassLabel"):
        align_labels(plain, corpus([0], TE))
    with pytest.raises(TypeError, match="DatasetDict or Dataset"):
        align_labels({"train": []}, corpus([0], TE))
    with pytest.raises(ValueError, match="two different corpus names"):
        align_labels(corpus([0], TE), corpus([0], TE), names=("A", "A"))
    # a plain Dataset is accepted as one split
    al = align_labels(corpus([0, 1], TE)["train"], corpus([0, 1], TE)["train"])
    assert set(al.a) == {"data"}


@settings(max_examples=20, deadline=None)
@given(st.lists(st.integers(0, 5), min_size=1, max_size=40), st.lists(st.integers(0, 3), min_size=1, max_size=40))
def test_align_property(ya, yb):
    "Kept + dropped = all tweets; every kept label is a shared class; nothing else is kept."
    la, lb = ["a", "b", "c", "x", "y", "z"], ["c", "b", "q", "a"]
    al = align_labels(corpus(ya, la), corpus(yb, lb))
    assert al.classes == shared_classes(la, lb) == ["a", "b", "c"]
    for got, y, names in ((al.a, ya, la), (al.b, yb, lb)):
        expect = [names[i] for i in y if names[i] in al.classes]
        assert [al.classes[i] for i in got["train"]["label"]] == expect
    assert al.report["n"].sum() == len(ya) + len(yb)


# ---- the corpus guard of BowEncoder
def test_bow_guard():
    bow = BowEncoder(max_features=100).fit(["i feel happy", "so sad today", "angry again"], corpus="CARER")
    X = bow.transform(["happy today"], corpus="CARER")
    assert sp.issparse(X) and X.shape == (1, bow.dim) and X.dtype == np.float32
    with pytest.raises(CorpusMismatchError, match="fitted on 'CARER'.*'TweetEval'.*allow_other_corpus=True"):
        bow.transform(["happy"], corpus="TweetEval")
    assert isinstance(CorpusMismatchError("x"), ValueError)
    Y = bow.transform(["happy @user #blessed"], corpus="TweetEval", allow_other_corpus=True)
    assert Y.shape == (1, bow.dim) and Y.nnz == 1
    assert bow.coverage(["happy unknownword"]) == 0.5


def test_bow_bad_input():
    with pytest.raises(RuntimeError, match="not fitted"):
        BowEncoder().transform(["x"], corpus="A")
    with pytest.raises(ValueError, match="kind"):
        BowEncoder(kind="binary")
    with pytest.raises(ValueError, match="max_features"):
        BowEncoder(max_features=0)
    bow = BowEncoder()
    with pytest.raises(ValueError, match="corpus must name"):
        bow.fit(["a b"], corpus="")
    with pytest.raises(TypeError, match="not strings"):
        bow.fit(["ok", None], corpus="A")
    with pytest.raises(TypeError, match="list of strings"):
        bow.fit("one string", corpus="A")
    with pytest.raises(ValueError, match="empty"):
        bow.fit([], corpus="A")
    counts = BowEncoder(kind="count").fit_transform(["a word word"], corpus="A")
    assert counts.toarray().max() == 2


# ---- MLP, training loop, persistence
def data(n=300, d=10, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)).astype(np.float32)
    return X, (X[:, 0] > 0).astype(np.int64)


def test_save_load_round_trip(tmp_path):
    X, y = data()
    m = MLP(10, 2, hidden=(16, 8), dropout=0.3)
    train_mlp(m, X[:200], y[:200], X[200:], y[200:], MLPConfig(epochs=2), progress=False)
    save_mlp(m, tmp_path / "m", labels=["neg", "pos"])
    m2 = load_mlp(tmp_path / "m")
    assert m2.config == m.config and m2.meta["labels"] == ["neg", "pos"]
    p1, P1 = predict_mlp(m, X)
    p2, P2 = predict_mlp(m2, X)
    assert np.array_equal(p1, p2) and np.array_equal(P1, P2)
    files = sorted(f.name for f in (tmp_path / "m").iterdir())
    assert files == ["README.md", "config.json", "meta.json", "model.safetensors"]   # no pickle
    assert json.loads((tmp_path / "m" / "config.json").read_text())["hidden"] == [16, 8]


def test_sparse_and_dense_agree():
    "A sparse batch (the bag of words) gives the same probabilities as its dense copy, empty rows included."
    X, y = data(d=6)
    X[:3] = 0                                                        # tweets with no word of the vocabulary
    m = MLP(6, 2, hidden=(8,))
    assert np.allclose(predict_mlp(m, X)[1], predict_mlp(m, sp.csr_matrix(X))[1], atol=1e-6)


def test_best_epoch_is_kept(tmp_path):
    "Validation labels are the opposite of the training rule: validation accuracy falls as the model learns."
    X, y = data(600)
    m = MLP(10, 2, hidden=(32,), dropout=0.0)
    r = train_mlp(m, X[:400], y[:400], X[400:], 1 - y[400:], MLPConfig(epochs=6, lr=5e-3), seed=1, progress=False,
                  checkpoint_dir=tmp_path / "ck")
    h = r.history
    assert r.best_epoch == int(h["val_acc"].idxmax()) and h.loc[r.best_epoch, "best"] and h["best"].sum() == 1
    assert h["val_acc"].iloc[-1] < r.best_val_acc                    # the last epoch is worse than the kept one
    acc = (predict_mlp(m, X[400:])[0] == 1 - y[400:]).mean()
    assert acc == r.best_val_acc                                     # the model holds the best epoch's weights
    ck = load_mlp(tmp_path / "ck")
    assert ck.meta["best_epoch"] == r.best_epoch
    assert np.array_equal(predict_mlp(ck, X)[1], predict_mlp(m, X)[1])


def test_training_is_deterministic():
    "Same seed for initialisation and loop: identical history and predictions."
    X, y = data()
    out = []
    for _ in range(2):
        set_seed(3)
        m = MLP(10, 2, hidden=(16,), dropout=0.3)
        r = train_mlp(m, X[:200], y[:200], X[200:], y[200:], MLPConfig(epochs=3), seed=7, progress=False)
        out.append((r.history[["train_loss", "val_acc"]].to_numpy(), predict_mlp(m, X)[1]))
    assert np.array_equal(out[0][0], out[1][0]) and np.array_equal(out[0][1], out[1][1])


def test_tensorboard_absent_message(tmp_path, monkeypatch, caplog):
    import builtins
    real = builtins.__import__

    def no_tb(name, *a, **k):
        if name.startswith("torch.utils.tensorboard"): raise ImportError("no tensorboard")
        return real(name, *a, **k)
    monkeypatch.setattr(builtins, "__import__", no_tb)
    X, y = data(100)
    transfer._no_tensorboard.cache_clear()                          # the warning is logged once per session
    with caplog.at_level("WARNING", logger="tweetlab.course.transfer"):
        train_mlp(MLP(10, 2, hidden=(4,)), X, y, X, y, MLPConfig(epochs=1), progress=False, tensorboard_dir=tmp_path / "tb")
        train_mlp(MLP(10, 2, hidden=(4,)), X, y, X, y, MLPConfig(epochs=1), progress=False, tensorboard_dir=tmp_path / "tb2")
    said = [r for r in caplog.records if "TensorBoard logging skipped" in r.getMessage()]
    assert len(said) == 1 and said[0].levelname == "WARNING"


@pytest.mark.parametrize("kwargs,msg", [
    (dict(in_dim=0, n_classes=2), "in_dim"),
    (dict(in_dim=4, n_classes=1), "n_classes"),
    (dict(in_dim=4, n_classes=2, hidden=(8, -1)), "hidden size"),
    (dict(in_dim=4, n_classes=2, dropout=1.0), "dropout"),
])
def test_mlp_bad_args(kwargs, msg):
    with pytest.raises(ValueError, match=msg):
        MLP(**kwargs)


def test_train_bad_input(tmp_path):
    X, y = data(50)
    m = MLP(10, 2, hidden=(4,))
    with pytest.raises(ValueError, match="expects 10"):
        train_mlp(m, X[:, :5], y, X, y)
    with pytest.raises(ValueError, match="one label per row"):
        train_mlp(m, X, y[:10], X, y)
    with pytest.raises(ValueError, match=r"class ids in 0\.\.1"):
        train_mlp(m, X, y + 1, X, y)
    bad = X.copy(); bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        train_mlp(m, bad, y, X, y)
    with pytest.raises(ValueError, match="epochs"):
        train_mlp(m, X, y, X, y, MLPConfig(epochs=0))
    with pytest.raises(TypeError, match="tweetlab.course.mlp.MLP"):
        train_mlp(object(), X, y, X, y)
    with pytest.raises(FileNotFoundError, match="not a saved MLP"):
        load_mlp(tmp_path)
    (tmp_path / "config.json").write_text('{"format": "other"}'); (tmp_path / "model.safetensors").write_bytes(b"")
    with pytest.raises(ValueError, match="not written by save_mlp"):
        load_mlp(tmp_path)


# ---- the experiment
def test_transfer_experiment_and_tables():
    rng = np.random.default_rng(1)
    Xa = {s: rng.normal(size=(150, 6)).astype(np.float32) for s in ("train", "validation", "test")}
    ya = {s: (x[:, 0] > 0).astype(np.int64) for s, x in Xa.items()}
    Xb = {s: x + np.float32(2.0) for s, x in Xa.items()}
    r = transfer_experiment(Xa, ya, Xb, ya, ["neg", "pos"], names=("A", "B"), config=MLPConfig(hidden=(16,), dropout=0.0, epochs=(6, 6), lr=5e-3))
    assert set(r.scores["stage"]) == set(STAGES) and len(r.scores) == 6
    t = transfer_table(r.scores, "macro_f1")
    assert t.shape == (2, 2) and list(t.columns) == ["A", "B"] and list(t.index) == list(STAGES[:2])
    s = transfer_summary({"toy": r})
    tt = transfer_table(r.scores)
    assert np.isclose(s.loc["toy", "forgetting on A"], tt.loc[STAGES[0], "A"] - tt.loc[STAGES[1], "A"])
    assert np.isclose(s.loc["toy", "transfer gap"], tt.loc[STAGES[0], "A"] - tt.loc[STAGES[0], "B"])
    with pytest.raises(ValueError, match="metric"):
        transfer_table(r.scores, "auc")
    with pytest.raises(ValueError, match="missing split"):
        transfer_experiment({"train": Xa["train"]}, ya, Xb, ya, ["neg", "pos"])
    with pytest.raises(ValueError, match="same encoder or vocabulary"):
        transfer_experiment(Xa, ya, {k: v[:, :3] for k, v in Xb.items()}, ya, ["neg", "pos"])
