"""tweetlab.assess.metrics: bad input, agreement with scikit-learn and tweetlab.data.tweets, plots."""

import warnings

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from sklearn.metrics import f1_score, roc_auc_score

from tweetlab.data.tweets import official_score
from tweetlab.assess.metrics import (as_label_ids, classification_table, evaluate, macro_auc, plot_confusion, plot_roc,
                              results_table)

NAMES = ["anger", "joy", "optimism", "sadness"]


def _proba(y, k, rng, noise=1.0):
    logits = rng.normal(size=(len(y), k)) * noise
    logits[np.arange(len(y)), y] += 1.5
    e = np.exp(logits - logits.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


# ---- bad input
@pytest.mark.parametrize("y_true,y_pred,kw,msg", [
    ([0, 1, 2], [0, 1], {}, "same length"),
    ([0, 1, 7], [0, 1, 2], dict(labels=NAMES), r"outside the label set 0\.\.3"),
    ([0, 1, 2], [0, -1, 2], dict(labels=NAMES), "outside"),
    (["joy", "rage"], ["joy", "joy"], dict(labels=NAMES), "rage"),
    (["joy", "anger"], ["joy", "joy"], {}, "labels="),
    ([], [], dict(labels=NAMES), "empty"),
    ([[0, 1]], [[0, 1]], dict(labels=NAMES), "one-dimensional"),
    ([0.5, 1.0], [0, 1], dict(labels=NAMES), "non-integer"),
    ([0, 4], [0, 1], dict(dataset="tweet_eval/emotion"), "outside"),
])
def test_bad_labels(y_true, y_pred, kw, msg):
    with pytest.raises(ValueError, match=msg):
        evaluate(y_true, y_pred, **kw)


def test_bad_proba_shape():
    with pytest.raises(ValueError, match=r"shape \(n_examples, n_classes\) = \(3, 4\)"):
        evaluate([0, 1, 2], [0, 1, 2], np.ones((3, 3)) / 3, labels=NAMES)
    with pytest.raises(ValueError, match="NaN"):
        evaluate([0, 1, 2], [0, 1, 2], np.full((3, 4), np.nan), labels=NAMES)


def test_single_class_auc_is_a_clear_error():
    for fn in (lambda: evaluate([1, 1, 1], [1, 0, 1], np.full((3, 4), .25), labels=NAMES),
               lambda: macro_auc([2, 2], np.full((2, 4), .25), NAMES),
               lambda: plot_roc([0, 0], np.full((2, 4), .25), NAMES)):
        with pytest.raises(ValueError, match="only one class"):
            fn()
    # without probabilities a single-class y_true is fine
    assert evaluate([1, 1, 1], [1, 0, 1], labels=NAMES)["accuracy"] == pytest.approx(2 / 3)


def test_missing_class_warns_and_averages_the_rest():
    P = np.array([[.9, .1, 0, 0], [.2, .8, 0, 0], [.6, .4, 0, 0], [.3, .7, 0, 0]])
    with pytest.warns(UserWarning, match="optimism"):
        assert macro_auc([0, 1, 0, 1], P, NAMES) == 1.0


# ---- agreement with references
@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 6), st.integers(10, 200))
def test_agrees_with_sklearn_and_official_score(seed, k, n):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n); y[:k] = np.arange(k)                  # every class present
    P = _proba(y, k, rng)
    pred = P.argmax(1)
    names = [f"c{i}" for i in range(k)]
    r = evaluate(y, pred, P, labels=names)
    assert r["macro_f1"] == pytest.approx(f1_score(y, pred, average="macro", labels=range(k), zero_division=0))
    ref = roc_auc_score(y, P[:, 1]) if k == 2 else roc_auc_score(y, P, multi_class="ovr", average="macro")
    assert r["macro_auc"] == pytest.approx(ref)
    assert r["per_class"]["f1"].mean() == pytest.approx(r["macro_f1"])
    assert r["per_class"]["support"].sum() == n and 0 <= r["accuracy"] <= 1
    if k == 4:
        r = evaluate(y, pred, P, dataset="tweet_eval/emotion")
        assert r["official_metric"] == "macro_f1" and r["official"] == official_score("tweet_eval/emotion", y, pred)


def test_official_metric_per_dataset():
    y, p = [0, 1, 2, 2, 1], [0, 2, 2, 2, 1]
    r = evaluate(y, p, dataset="tweet_eval/sentiment")
    assert r["official_metric"] == "macro_recall"
    assert r["official"] == pytest.approx(official_score("tweet_eval/sentiment", y, p))
    r = evaluate(y, p, dataset="emotion")
    assert r["official_metric"] == "accuracy" and r["official"] == r["accuracy"]


def test_names_and_ids_agree():
    rng = np.random.default_rng(0)
    y, p = rng.integers(0, 4, 50), rng.integers(0, 4, 50)
    a = evaluate(y, p, labels=NAMES)
    b = evaluate([NAMES[i] for i in y], [NAMES[i] for i in p], labels=NAMES)
    assert a["macro_f1"] == b["macro_f1"] and a["accuracy"] == b["accuracy"]
    assert list(as_label_ids(["sadness", "anger"], NAMES)) == [3, 0]


def test_perfect_and_tables():
    y = np.array([0, 1, 2, 3, 0, 1])
    r = evaluate(y, y, np.eye(4)[y], labels=NAMES)
    assert r["accuracy"] == r["macro_f1"] == r["weighted_f1"] == r["macro_auc"] == 1.0
    t = classification_table(y, y, NAMES)
    assert list(t.index) == NAMES + ["macro avg", "weighted avg"] and set(t.columns) >= {"precision", "recall", "f1", "support"}
    rt = results_table({"perfect": r, "no proba": evaluate(y, y[::-1], labels=NAMES)})
    assert list(rt.index) == ["perfect", "no proba"] and "macro_auc" in rt.columns and np.isnan(rt.loc["no proba", "macro_auc"])
    with pytest.raises(ValueError, match="empty"): results_table({})


# ---- plots
def test_plots():
    rng = np.random.default_rng(1)
    y = np.repeat(np.arange(4), 25)
    P = _proba(y, 4, rng)
    ax = plot_confusion(y, P.argmax(1), NAMES, title="t")
    assert [t.get_text() for t in ax.get_xticklabels()] == NAMES and ax.get_xlabel() == "predicted"
    ax = plot_roc(y, P, NAMES)
    assert len(ax.get_lines()) == 4 + 2 and "macro average" in ax.get_legend().get_texts()[-1].get_text()
    with pytest.raises(ValueError, match="normalize"): plot_confusion(y, y, NAMES, normalize="rows")
    plt.close("all")


def test_paired_bootstrap_official_metric_with_names():
    from tweetlab.assess.metrics import paired_bootstrap
    rng = np.random.default_rng(0)
    names = np.array(["negative", "neutral", "positive"])
    y = rng.integers(0, 3, 400); a = np.where(rng.random(400) < .5, y, rng.integers(0, 3, 400)); b = np.where(rng.random(400) < .8, y, rng.integers(0, 3, 400))
    by_id = paired_bootstrap(y, a, b, 200, dataset="tweet_eval/sentiment")
    by_name = paired_bootstrap(names[y], names[a], names[b], 200, dataset="tweet_eval/sentiment")
    assert by_id["diff"] > 0.1 and by_id["low"] > 0 and abs(by_name["diff"] - by_id["diff"]) < 1e-12
