"Calibration, abstention and explanations: invariants, save/load, and every bad input (tiny models: seconds, offline)."
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tweetlab import TrainConfig, TweetClassifier
from tweetlab.assess.explain import deletion_test, explain, highlight_html, highlight_text, linear_attributions, occlusion
from tweetlab.app.classifier import ABSTAIN, MODEL_FILE
from tweetlab.data.tweets import make_sample
from tweetlab.assess.metrics import ece, reliability_table
from tweetlab.assess.trust import (apply_temperature, apply_vector_scaling, confidence_threshold, fit_temperature, fit_vector_scaling,
                            group_reliability, risk_coverage)

FAST = TrainConfig(epochs=1, max_steps=3, batch_size=16)
LONG = "so done with the delays again " * 700                       # 21,000 characters


@pytest.fixture(scope="module")
def sample():
    return make_sample(n_train=120, n_validation=40, n_test=40)


@pytest.fixture(scope="module")
def fitted(sample, tiny_encoder):
    return TweetClassifier(tiny_encoder, FAST).fit(sample, progress=False, calibrate=True)


@pytest.fixture(scope="module")
def classic(sample):
    return TweetClassifier(method="classic").fit(sample, progress=False)


def probs(n, k, seed, sharp=3.0):
    z = np.random.default_rng(seed).normal(size=(n, k)) * sharp
    e = np.exp(z - z.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


# ---- calibration invariants
@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), k=st.integers(2, 6), T=st.floats(0.1, 10))
def test_temperature_keeps_argmax_and_sums_to_one(seed, k, T):
    P = probs(30, k, seed)
    Q = apply_temperature(P, T)
    assert np.allclose(Q.sum(1), 1) and (Q >= 0).all()
    assert (Q.argmax(1) == P.argmax(1)).all()


def test_temperature_softens_an_overconfident_model():
    rng = np.random.default_rng(0)
    honest = probs(4000, 4, 1, sharp=1.5)
    y = np.array([rng.choice(4, p=p) for p in honest])           # labels drawn from calibrated probabilities
    P = apply_temperature(honest, 0.4)                             # the same ranking, over-confident
    T = fit_temperature(P, y)
    assert 2.0 < T < 3.2                                           # recovers about 1 / 0.4
    assert ece(y, apply_temperature(P, T)) < ece(y, P) / 2


def test_vector_scaling_shapes_and_identity():
    P, y = probs(200, 3, 2), np.arange(200) % 3
    w, b = fit_vector_scaling(P, y)
    assert w.shape == b.shape == (3,)
    assert np.allclose(apply_vector_scaling(P, np.ones(3), np.zeros(3)), P)


@pytest.mark.parametrize("fit", [fit_temperature, fit_vector_scaling])
def test_one_class_fit_raises(fit):
    with pytest.raises(ValueError, match="single class"): fit(probs(20, 3, 0), np.zeros(20, int))


@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), float("inf"), "2", True])
def test_bad_temperature(bad):
    with pytest.raises(ValueError, match="positive number"): apply_temperature(probs(4, 2, 0), bad)


@pytest.mark.parametrize("P, y, msg", [(np.ones((3, 2)), [0, 1, 0], "summing to 1"), (probs(3, 2, 0), [0, 1], "one label id per row"),
                                       (probs(3, 2, 0), [0, 1, 2], "class ids"), (np.ones(3), [0, 1, 0], "(n, K)"),
                                       (probs(3, 2, 0), [0.5, 1, 0], "class ids")])
def test_bad_probabilities(P, y, msg):
    with pytest.raises(ValueError, match=msg.replace("(", r"\(").replace(")", r"\)")): ece(y, P)


def test_ece_matches_the_bins():
    P, y = probs(500, 4, 3), np.arange(500) % 4
    t = reliability_table(y, P)
    assert t["tweets"].sum() == 500
    manual = sum(n * abs(a - c) for n, a, c in zip(t["tweets"], t["accuracy"], t["confidence"])) / 500
    assert abs(ece(y, P) - manual) < 1e-12 and 0 <= ece(y, P) <= 1


# ---- TweetClassifier: calibrated by default once calibrated, raw on request, saved and loaded
def test_calibrated_classifier_keeps_argmax(fitted, sample):
    texts = list(sample["test"]["text"])
    raw, cal = fitted.predict_proba(texts, raw=True).to_numpy(), fitted.predict_proba(texts).to_numpy()
    assert fitted.temperature is not None and fitted.temperature > 0
    assert np.allclose(cal.sum(1), 1, atol=1e-5)
    assert (raw.argmax(1) == cal.argmax(1)).all()
    assert np.allclose(cal, apply_temperature(raw, fitted.temperature), atol=1e-6)
    c = fitted.info["calibration"]
    assert c["tweets"] == len(sample["validation"]) and c["ece_after"] <= c["ece_before"] + 1e-9


def test_temperature_survives_save_and_load(fitted, sample, tmp_path):
    back = TweetClassifier.load(fitted.save(tmp_path / "m"))
    assert back.temperature == fitted.temperature
    assert json.loads((tmp_path / "m" / MODEL_FILE).read_text())["temperature"] == fitted.temperature
    texts = list(sample["test"]["text"])
    assert np.allclose(back.predict_proba(texts).to_numpy(), fitted.predict_proba(texts).to_numpy(), atol=1e-5)
    assert "Calibrated" in (tmp_path / "m" / "README.md").read_text()


def test_uncalibrated_model_is_unchanged(classic, sample):
    texts = list(sample["test"]["text"])
    assert classic.temperature is None
    assert np.array_equal(classic.predict_proba(texts).to_numpy(), classic.predict_proba(texts, raw=True).to_numpy())


def test_calibrate_on_given_data_and_errors(classic, sample):
    import copy
    m = copy.deepcopy(classic)
    m.calibrate(sample, "test")
    assert m.info["calibration"]["tweets"] == len(sample["test"])
    one_class = ([t for t in sample["test"]["text"]][:5], [sample["test"].features["label"].int2str(0)] * 5)
    with pytest.raises(ValueError, match="single class"): m.calibrate(one_class)
    loaded = copy.deepcopy(classic); loaded._validation = None
    with pytest.raises(ValueError, match="Pass labelled tweets"): loaded.calibrate()


def test_evaluate_reports_ece(classic, sample):
    r = classic.evaluate(sample, "test")
    assert 0 <= r["ece"] <= 1


# ---- abstaining
def test_min_confidence_abstains(fitted, sample):
    texts = list(sample["test"]["text"])
    P = fitted.predict_proba(texts).to_numpy()
    t = float(np.median(P.max(1)))
    pred = fitted.predict(texts, min_confidence=t)
    assert ((pred == ABSTAIN) == (P.max(1) < t)).all()
    assert (pred[pred != ABSTAIN] == fitted.predict(texts)[pred != ABSTAIN]).all()
    assert fitted.predict(texts[0], min_confidence=1.0) == ABSTAIN or P[0].max() >= 1.0
    for bad in (1.5, -0.1, "0.5"):
        with pytest.raises(ValueError, match="between 0 and 1"): fitted.predict(texts, min_confidence=bad)


def test_risk_coverage_and_threshold():
    rng = np.random.default_rng(5)
    P = probs(300, 4, 5)
    y = np.where(rng.random(300) < P.max(1), P.argmax(1), (P.argmax(1) + 1) % 4)   # right as often as it is sure
    rc = risk_coverage(y, P)
    assert rc["coverage"].is_monotonic_increasing and rc["coverage"].iloc[-1] == 1
    assert abs(rc["accuracy"].iloc[-1] - (P.argmax(1) == y).mean()) < 1e-12
    t = confidence_threshold(y, P, 0.8)
    answered = P.max(1) >= t
    assert (P.argmax(1) == y)[answered].mean() >= 0.8 and 0 < answered.mean() < 1
    lower = P.max(1)[P.max(1) < t].max()                          # the next threshold down misses the target
    assert (P.argmax(1) == y)[P.max(1) >= lower].mean() < 0.8


def test_group_reliability_counts_every_tweet(sample):
    texts, y = list(sample["test"]["text"]), np.array(sample["test"]["label"])
    g = group_reliability(texts, y, probs(len(y), 4, 0), sample["test"].features["label"].names)
    for a in ("emoji", "hashtags", "mentions"):
        assert g.loc[f"with {a}", "tweets"] + g.loc[f"without {a}", "tweets"] == len(y)
    assert g.filter(like="length", axis=0)["tweets"].sum() == len(y)


# ---- explanations: bad input, truncation, unknown words, every family
@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_explain_blank_raises(fitted, classic, text):
    for m in (fitted, classic):
        with pytest.raises(ValueError, match="blank"): m.explain(text)


def test_explain_non_string_raises(fitted):
    with pytest.raises(TypeError, match="string"): fitted.explain(["a list"])


def test_explain_emoji_only_is_clear(fitted, classic):
    t = fitted.explain("😂😂😂")
    assert list(t["word"]) == ["😂😂😂"] and t.attrs["unknown"] == ["😂😂😂"] and "[UNK]" in t.attrs["note"]
    c = classic.explain("😂😂😂")                                   # TF-IDF reads emoji as :face_with_tears_of_joy:
    assert list(c["word"]) == ["😂😂😂"] and c.attrs["unit"] == "logit"


def test_explain_long_text_is_truncated_and_says_so(fitted, classic):
    t = fitted.explain(LONG)
    assert t.attrs["truncated"] and t.attrs["words"] == len(LONG.split()) and len(t) < fitted.config.max_length
    assert "Truncated" in t.attrs["note"] and "note: Truncated" in highlight_text(t)
    c = classic.explain(LONG)
    assert c.attrs["truncated"] and len(c) == 256 and "Truncated" in highlight_html(c)


def test_explain_table_and_targets(fitted):
    t = fitted.explain("so happy with the new album #blessed", target=fitted.labels[0])
    assert list(t.columns) == ["word", "score", "class"] and set(t["class"]) == {fitted.labels[0]}
    assert len(t) == 7 and t.attrs["method"] == "integrated_gradients" and abs(t.attrs["delta"]) < 0.05
    with pytest.raises(ValueError, match="not one of"): fitted.explain("hi", target="nope")
    with pytest.raises(ValueError, match="class name or an id"): fitted.explain("hi", target=99)


def test_linear_scores_add_up_to_the_logit(classic):
    text = "@user worst. service. ever!!! never again #angry"
    r = linear_attributions(classic.model, text)
    assert abs(r["scores"].sum() + r["rest"] - classic.model.decision_function([text])[0, r["target"]]) < 1e-6


def test_every_family_explains(fitted, classic):
    ens = TweetClassifier.from_members([fitted, classic])
    assert ens.explain("so happy today").attrs["method"] == "occlusion"
    assert fitted.quantize().explain("so happy today").attrs["method"] == "occlusion"
    with pytest.raises(ValueError, match="occlusion"): classic.explain("hi", method="integrated_gradients")
    with pytest.raises(ValueError, match="occlusion"): fitted.explain("hi", method="linear")


def test_occlusion_and_deletion_on_a_known_model():
    fake = lambda texts: np.array([[0.9, 0.1] if "bad" in t.split() else [0.2, 0.8] for t in texts])
    assert list(occlusion(fake, "a bad day", 0)["scores"].round(6)) == [0, 0.7, 0]
    texts = ["what a bad day for us", "a fine bad idea", "nothing bad here at all"]
    d = deletion_test(fake, texts, [occlusion(fake, t, 0)["scores"] for t in texts], [0, 0, 0], ks=(1, 2), n_random=4)
    assert (d["top-k fall"] >= d["random-k fall"]).all() and abs(d.loc[1, "top-k fall"] - 0.7) < 1e-9


def test_explain_cli_prints_plain_text(fitted, tmp_path, capsys):
    from tweetlab.app.cli import main
    folder = fitted.save(tmp_path / "cli")
    assert main(["explain", str(folder), "so happy with the new album #blessed"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("predicted ") and "towards:" in out and "away:" in out
    assert main(["explain", str(folder), "  "]) == 2 and "blank" in capsys.readouterr().err


def test_predict_cli_min_confidence(fitted, tmp_path, capsys):
    import pandas as pd
    from tweetlab.app.cli import main
    folder = fitted.save(tmp_path / "cli-min")
    pd.DataFrame({"text": ["so happy today", "never again", "", "meh"]}).to_csv(tmp_path / "in.csv", index=False)
    P = fitted.predict_proba(["so happy today", "never again", "", "meh"]).to_numpy()
    t = float(np.sort(P.max(1))[1]) + 1e-6                     # above the two least confident rows
    assert main(["predict", str(folder), str(tmp_path / "in.csv"), "--out", str(tmp_path / "out.csv"), "--min-confidence", str(t)]) == 0
    out = pd.read_csv(tmp_path / "out.csv", keep_default_na=False)
    assert list(out["predicted_label"] == ABSTAIN) == list(P.max(1) < t)
    assert np.allclose(out.filter(like="prob_").to_numpy(), P, atol=1e-5)    # calibrated probabilities, still written
    assert main(["predict", str(folder), str(tmp_path / "in.csv"), "--min-confidence", "2"]) == 2
    assert "--min-confidence must be" in capsys.readouterr().err
