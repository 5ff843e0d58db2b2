"""tweetlab.models.probe: bad input, baselines, probe selection, layer-wise probe, top losses (synthetic features, fast)."""

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from tweetlab.assess.metrics import top_losses
from tweetlab.assess.metrics import dummy_baselines
from tweetlab.models.probe import compare_probes, evaluate_probe, fit_probe, layerwise_probe, plot_layerwise

NAMES = ["anger", "joy", "optimism", "sadness"]


def _data(n=200, d=6, k=4, signal=2.0, seed=0):
    "Features whose first column carries the class (with noise); more signal in later 'layers'."
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n); y[:k] = np.arange(k)
    X = rng.normal(size=(n, d))
    X[:, 0] += signal * y
    return X, y


@pytest.fixture(autouse=True)
def _tmp_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TWEETLAB_CACHE", str(tmp_path / "cache"))


# ---- baselines
def test_dummy_baselines():
    _, y = _data(400)
    t = dummy_baselines(y[:300], y[300:], NAMES, "tweet_eval/emotion", seed=0)
    assert list(t.index) == ["dummy: uniform", "dummy: most frequent", "dummy: stratified"]
    assert (t["macro_f1"] < 0.45).all() and t.loc["dummy: most frequent", "macro_auc"] == 0.5
    assert np.allclose(t["official"], t["macro_f1"])
    again = dummy_baselines(y[:300], y[300:], NAMES, "tweet_eval/emotion", seed=0)
    pd.testing.assert_frame_equal(t, again)                     # seeded: same run, same numbers
    with pytest.raises(ValueError, match="outside"):
        dummy_baselines(y[:300], y[300:] + 4, NAMES)


# ---- fit_probe
def test_fit_probe_learns_and_picks_c_by_cv():
    X, y = _data(300)
    p = fit_probe(X[:200], y[:200], Cs=(0.001, 1.0), cv=3, seed=0)
    assert p.C_ in (0.001, 1.0) and 0 <= p.cv_macro_f1_ <= 1
    r = evaluate_probe(p, X[200:], y[200:], NAMES, "tweet_eval/emotion")
    assert r["macro_f1"] > 0.6 and r["official"] == r["macro_f1"] and r["macro_auc"] > 0.8
    q = fit_probe(X[:200], y[:200], Cs=(0.001, 1.0), cv=3, seed=0)
    assert np.array_equal(p.predict(X), q.predict(X))           # deterministic
    single = fit_probe(X, y, Cs=0.5)
    assert single.C_ == 0.5 and np.isnan(single.cv_macro_f1_)


def test_balanced_class_weight_raises_rare_class_recall():
    rng = np.random.default_rng(1)
    y = np.r_[np.zeros(270, int), np.ones(30, int)]
    X = rng.normal(size=(300, 3)); X[:, 0] += 1.2 * y
    plain = fit_probe(X, y, Cs=1.0)
    bal = fit_probe(X, y, Cs=1.0, class_weight="balanced")
    assert (bal.predict(X)[y == 1] == 1).mean() > (plain.predict(X)[y == 1] == 1).mean()


@pytest.mark.parametrize("kw,msg", [
    (dict(X=np.zeros(10), y=np.zeros(10)), "2-D"),
    (dict(X=np.zeros((10, 2)), y=np.zeros(9)), "10 rows but y has 9"),
    (dict(X=np.full((10, 2), np.nan), y=np.arange(10) % 2), "NaN"),
    (dict(X=np.array([["a", "b"]] * 4), y=[0, 1, 0, 1]), "numeric"),
    (dict(X=np.zeros((10, 2)), y=np.zeros(10)), "single class"),
    (dict(X=np.zeros((10, 2)), y=np.r_[np.zeros(8), np.ones(2)], cv=3), "fewer than cv"),
    (dict(X=np.zeros((10, 2)), y=np.arange(10) % 2, Cs=(-1, 1)), "positive"),
    (dict(X=np.zeros((10, 2)), y=np.arange(10) % 2, class_weight="auto"), "class_weight"),
])
def test_fit_probe_bad_input(kw, msg):
    with pytest.raises(ValueError, match=msg):
        fit_probe(**kw)


# ---- comparisons
def test_compare_probes_table():
    X, y = _data(300, d=8)
    cands = {"informative": (X[:200, :3], X[200:, :3]), "noise only": (X[:200, 3:], X[200:, 3:])}
    table, probes = compare_probes(cands, y[:200], y[200:], NAMES, "tweet_eval/emotion", Cs=(0.01, 1.0), cv=3, progress=False)
    assert list(table.index) == list(cands) and set(probes) == set(cands)
    assert table.loc["informative", "macro_f1"] > table.loc["noise only", "macro_f1"] + 0.2
    assert list(table["dims"]) == [3, 5] and set(table["C"]) <= {0.01, 1.0}
    with pytest.raises(ValueError, match="empty"):
        compare_probes({}, y, y)


def test_layerwise_probe_and_plot():
    rng = np.random.default_rng(2)
    n, layers, d = 240, 4, 5
    y = rng.integers(0, 3, n)
    H = rng.normal(size=(n, layers, d))
    for l in range(layers): H[:, l, 0] += 0.8 * l * y              # the signal grows with depth
    t = layerwise_probe(H[:160], y[:160], H[160:], y[160:], ["a", "b", "c"], Cs=(0.1, 1.0), cv=3, progress=False)
    assert list(t.index) == [0, 1, 2, 3] and t.index.name == "layer"
    assert t.loc[3, "macro_f1"] > t.loc[0, "macro_f1"] + 0.2
    sub = layerwise_probe(H[:160], y[:160], H[160:], y[160:], layers=[-1, 0], Cs=1.0, progress=False)
    assert list(sub.index) == [3, 0]
    ax = plot_layerwise(t, title="x")
    assert ax.get_xticklabels()[0].get_text() == "emb" and ax.get_ylabel() == "macro-f1"
    with pytest.raises(ValueError, match="not a column"): plot_layerwise(t, metric="nope")
    with pytest.raises(ValueError, match="same layers and dim"):
        layerwise_probe(H[:160], y[:160], H[160:, :2], y[160:])
    plt.close("all")


# ---- error analysis
def test_top_losses():
    X, y = _data(200)
    p = fit_probe(X, y, Cs=1.0)
    texts = [f"tweet {i}" for i in range(len(y))]
    t = top_losses(texts, y, p.predict_proba(X), NAMES, k=15)
    assert len(t) == 15 and t["loss"].is_monotonic_decreasing
    P = p.predict_proba(X)
    losses = -np.log(P[np.arange(len(y)), y])
    assert np.isclose(t["loss"].iloc[0], losses.max(), atol=0.01)
    assert t.index[0] == int(np.argmax(losses)) and t["text"].iloc[0] == texts[t.index[0]]
    assert set(t["gold"]) <= set(NAMES) and set(t["predicted"]) <= set(NAMES)
    with pytest.raises(ValueError, match="same length"):
        top_losses(texts[:3], y, p.predict_proba(X), NAMES)


def test_probe_on_real_embeddings(real_data):
    "End to end on 200 real TweetEval tweets: the probe beats the dummy baselines on held-out tweets."
    from tweetlab.data.tweets import load_tweets, subsample
    from tweetlab.features.encoders import embed, load_encoder
    dsd = subsample(load_tweets("tweet_eval/emotion", data_dir=real_data), n=120)
    enc = load_encoder()
    Xtr = embed(list(dsd["train"]["text"]), enc, progress=False)
    Xte = embed(list(dsd["test"]["text"]), enc, progress=False)
    p = fit_probe(Xtr, dsd["train"]["label"], Cs=(0.01, 0.1), cv=3)
    r = evaluate_probe(p, Xte, dsd["test"]["label"], dataset="tweet_eval/emotion")
    base = dummy_baselines(dsd["train"]["label"], dsd["test"]["label"], dataset="tweet_eval/emotion")
    assert r["macro_f1"] > base["macro_f1"].max()
