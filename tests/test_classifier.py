"TweetClassifier: every input form, every verb, the saved folder, and bad input (tiny encoder: seconds, offline)."
import json
import warnings

import numpy as np
import pandas as pd
import pytest
from datasets import Dataset, DatasetDict

import tweetlab
from tweetlab import TweetClassifier, TrainConfig
from tweetlab.data.tweets import DataWarning, make_sample

FAST = TrainConfig(epochs=1, max_steps=3, batch_size=16)
ODD = ["", "   ", "😂😂😂", "🙂", "so done with the delays " * 800]       # blank, emoji-only, 20,000 characters


@pytest.fixture(scope="module")
def sample():
    return make_sample(n_train=120, n_validation=40, n_test=40)


@pytest.fixture(scope="module")
def fitted(sample, tiny_encoder):
    return TweetClassifier(tiny_encoder, FAST).fit(sample, progress=False)


def names(ds):
    return ds.features["label"].int2str(ds["label"])


def test_root_exports_and_docstring():
    assert {"TweetClassifier", "load_tweets", "TrainConfig"} <= set(tweetlab.__all__)
    assert "TweetClassifier" in tweetlab.__doc__ and "tweetlab train" in tweetlab.__doc__
    with pytest.raises(AttributeError, match="no attribute 'nope'"): tweetlab.nope


@pytest.mark.parametrize("form", ["DatasetDict", "Dataset", "DataFrame", "csv", "pair-names", "pair-ids"])
def test_fit_accepts_every_form(form, sample, tiny_encoder, tmp_path):
    tr = sample["train"]
    df = pd.DataFrame({"text": tr["text"], "label": names(tr)})
    data = {"DatasetDict": sample, "Dataset": tr, "DataFrame": df, "pair-names": (df["text"].tolist(), df["label"].tolist()),
            "pair-ids": (tr["text"], tr["label"])}.get(form)
    if form == "csv": df.to_csv(tmp_path / "t.csv", index=False); data = str(tmp_path / "t.csv")
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        clf = TweetClassifier(tiny_encoder, FAST).fit(data, progress=False)
    carved = any("stratified 10%" in str(x.message) for x in w)
    assert carved == (form != "DatasetDict")                       # only the DatasetDict brings a validation split
    expected = {"pair-ids": ["0", "1", "2", "3"], "DatasetDict": tr.features["label"].names, "Dataset": tr.features["label"].names}
    expected = expected.get(form, sorted(set(df["label"])))          # raw names: sorted
    assert clf.labels == expected
    assert clf.scores["validation"]["n"] == (40 if form == "DatasetDict" else 12)
    assert set(clf.predict(["hello"])) <= set(clf.labels)


def test_validation_argument_is_used(sample, tiny_encoder):
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*stratified 10%")
        clf = TweetClassifier(tiny_encoder, FAST).fit(sample["train"], sample["test"], progress=False)
    assert clf.info["validation_size"] == len(sample["test"]) and clf.info["train_size"] == len(sample["train"])


def test_predict_names_and_proba(fitted):
    P = fitted.predict_proba(ODD)
    assert list(P.columns) == fitted.labels and P.shape == (len(ODD), 4)
    assert np.allclose(P.sum(axis=1), 1, atol=1e-5)
    pred = fitted.predict(ODD)
    assert len(pred) == len(ODD) and set(pred) <= set(fitted.labels)       # blank, emoji-only and long texts all predicted
    assert list(pred) == [fitted.labels[i] for i in P.to_numpy().argmax(1)]
    assert fitted.predict("one tweet") in fitted.labels


@pytest.mark.parametrize("bad, err, msg", [([None, "ok"], TypeError, "not strings"), ([], ValueError, "empty"),
                                           (None, TypeError, "is None"), ([3.5], TypeError, "not strings")])
def test_predict_bad_input(fitted, bad, err, msg):
    with pytest.raises(err, match=msg): fitted.predict(bad)


def test_evaluate(fitted, sample):
    r = fitted.evaluate(sample, "test")
    assert r["n"] == 40 and r["metric"] == "macro-averaged F1" and r["official"] == r["macro_f1"]
    assert list(r["per_class"].index) == fitted.labels and r["per_class"]["support"].sum() == 40
    s = fitted.evaluate(sample["test"], dataset="tweet_eval/sentiment")          # any registered metric
    assert s["metric"] == "macro-averaged recall"
    df = pd.DataFrame({"text": sample["test"]["text"], "label": names(sample["test"])})
    assert fitted.evaluate(df)["official"] == r["official"]                       # names map to the model's ids


def test_evaluate_unseen_labels(fitted):
    df = pd.DataFrame({"text": ["a", "b"], "label": ["joy", "surprise"]})
    with pytest.raises(ValueError, match=r"'surprise'.*was trained on the classes"): fitted.evaluate(df)
    with pytest.raises(ValueError, match="outside the label set"): fitted.evaluate((["a"], [7]))


def test_single_class_and_missing_columns(tiny_encoder):
    with pytest.raises(ValueError, match="single class"):
        TweetClassifier(tiny_encoder, FAST).fit((["a", "b", "c", "d"], ["x"] * 4))
    with pytest.raises(KeyError, match=r"no column 'text'; its columns are \['tweet', 'y'\]"):
        TweetClassifier(tiny_encoder, FAST).fit(pd.DataFrame({"tweet": ["a"], "y": [0]}))
    with pytest.raises(ValueError, match="single training example"):
        TweetClassifier(tiny_encoder, FAST).fit((["a", "b", "c"], ["x", "x", "y"]))
    with pytest.raises(TypeError, match="Cannot read labelled tweets from a int"): TweetClassifier().fit(3)
    with pytest.raises(ValueError, match="method must be one of"): TweetClassifier(method="svm")


def test_save_load_round_trip(fitted, sample, tmp_path):
    fitted.evaluate(sample, "test")
    path = fitted.save(tmp_path / "m")
    files = {p.name for p in path.iterdir()}
    assert {"model.safetensors", "config.json", "tokenizer.json", "README.md", "metrics.json", "tweetlab-model.json",
            "history.csv", "learning_curves.png", "confusion_matrix.png"} <= files
    back = TweetClassifier.load(path)
    assert back.labels == fitted.labels and back.config == fitted.config
    assert np.allclose(back.predict_proba(ODD).to_numpy(), fitted.predict_proba(ODD).to_numpy(), atol=1e-5)
    metrics = json.loads((path / "metrics.json").read_text())
    assert set(metrics) == {"validation", "test"} and metrics["test"]["n"] == 40
    card = (path / "README.md").read_text()
    for part in ("## Data", "## Model", "## Training recipe", "## Scores", "| test | 40 |", "## Intended use and limits",
                 "| transformers |", "| tweetlab |", "Trained "):
        assert part in card, part
    assert str(tmp_path) not in card
    with pytest.raises(FileExistsError, match="already exists"): fitted.save(path)
    fitted.save(path, overwrite=True)


def test_load_refuses_what_is_not_a_model(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"): TweetClassifier.load(tmp_path / "nope")
    (tmp_path / "x.txt").write_text("hi")
    with pytest.raises(FileNotFoundError, match="is not a tweetlab model folder"): TweetClassifier.load(tmp_path)


def test_from_pretrained_plain_checkpoint(fitted, tmp_path):
    fitted.model.save_pretrained(tmp_path / "hf"); fitted.tokenizer.save_pretrained(tmp_path / "hf")
    clf = TweetClassifier.from_pretrained(tmp_path / "hf")
    assert clf.labels == fitted.labels
    assert list(clf.predict(ODD)) == list(fitted.predict(ODD))
    with pytest.raises(FileNotFoundError, match="does not exist"): TweetClassifier.from_pretrained(tmp_path / "missing" / "x")


def test_from_model_wraps_a_trained_model(fitted):
    clf = TweetClassifier.from_model(fitted.model, fitted.tokenizer)
    assert list(clf.predict(ODD)) == list(fitted.predict(ODD))


def test_quantize_same_verbs(fitted, sample, tmp_path):
    q = fitted.quantize()
    assert q.int8 and not fitted.int8 and q.labels == fitted.labels
    assert set(q.predict(ODD)) <= set(fitted.labels) and q.predict_proba(ODD).shape == (len(ODD), 4)
    assert q.evaluate(sample, "test")["n"] == 40
    with pytest.raises(ValueError, match="not saved"): q.save(tmp_path / "q")


@pytest.mark.parametrize("method", ["classic", "probe"])
def test_other_families_same_verbs(method, sample, tiny_encoder, tmp_path):
    clf = TweetClassifier(tiny_encoder if method == "probe" else None, FAST, method).fit(sample, progress=False)
    assert set(clf.predict(ODD)) <= set(clf.labels)
    P = clf.predict_proba(ODD)
    assert list(P.columns) == clf.labels and np.allclose(P.sum(axis=1), 1, atol=1e-5)
    path = clf.save(tmp_path / method)
    assert (path / "model.joblib").is_file() and (path / "README.md").is_file()
    back = TweetClassifier.load(path)
    assert back.method == method and np.allclose(back.predict_proba(ODD).to_numpy(), P.to_numpy(), atol=1e-6)
    with pytest.raises(ValueError, match="applies to transformer"): clf.quantize()


def test_not_fitted():
    with pytest.raises(RuntimeError, match="not fitted"): TweetClassifier().predict(["a"])
    with pytest.raises(RuntimeError, match="not fitted"): TweetClassifier().save("x")


def test_onnx_copy_same_labels(fitted, tmp_path):
    o = fitted.onnx()
    assert o.engine == "onnx" and "ONNX Runtime" in repr(o)
    assert np.allclose(o.predict_proba(ODD).to_numpy(), fitted.predict_proba(ODD).to_numpy(), atol=1e-4)
    with pytest.raises(ValueError, match="not saved"): o.save(tmp_path / "o")
    with pytest.raises(ValueError, match="ONNX Runtime copy"): o.quantize()
    with pytest.raises(ValueError, match="not an int8 copy"): fitted.quantize().onnx()


def test_config_defaults_and_preset_names():
    "One default recipe: TweetClassifier(), TrainConfig() and the 'finetune' preset agree; a preset name is accepted."
    from tweetlab.train.presets import PRESETS
    assert TweetClassifier().config == TrainConfig() == PRESETS["finetune"].config
    assert (TrainConfig().lr, TrainConfig().batch_size, TrainConfig().epochs) == (5e-5, 16, 5)
    assert TweetClassifier(config="finetune-quick").config == PRESETS["finetune-quick"].config
    with pytest.raises(tweetlab.core.checks.UnknownNameError, match="the presets are"): TweetClassifier(config="fast")
    with pytest.raises(TypeError, match="TrainConfig or a preset name"): TweetClassifier(config={"lr": 1e-4})
