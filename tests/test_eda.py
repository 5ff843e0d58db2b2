"""tweetlab.course.eda: bad input (empty strings, None/NaN, non-strings, empty data), invariants and properties."""

import os
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given, settings, strategies as st  # noqa: E402

from tweetlab.data.tweets import DataWarning, make_sample  # noqa: E402
from tweetlab.course.eda import (artefact_rates, class_balance, count_tokens, distinctive_terms, duplicate_pairs,  # noqa: E402
                          duplicates, imbalance_ratio, label_shift, length_stats, log_odds, metadata_missingness,
                          near_duplicate_key, plot_artefact_rates, plot_class_balance, plot_distinctive_terms,
                          plot_lengths, plot_missingness, plot_wordclouds, suggest_max_length, token_coverage,
                          tweet_frame, tweet_lengths)


def frame(texts, labels=None, split=None):
    df = pd.DataFrame({"text": texts, "label_name": labels or ["a", "b"] * (len(texts) // 2) + ["a"] * (len(texts) % 2)})
    if split is not None:
        df.insert(0, "split", split)
    return df


GOOD = frame(["so happy today!!", "ugh mondays #angry", "love it 😍", "I HATE this", "yay :)", "why me?"])


# ---- bad input: each kind is skipped and counted
@pytest.mark.parametrize("bad, kind", [("", "empty"), ("   ", "empty"), (None, "missing"), (float("nan"), "missing"),
                                       (np.nan, "missing"), (42, "non-string"), (b"x", "non-string")])
def test_bad_texts_are_skipped_with_a_count(bad, kind):
    df = frame(["fine", bad, "also fine", bad])
    with pytest.warns(DataWarning, match=rf"Skipped 2 of 4 rows \(2 {kind}"):
        out = tweet_frame(df)
    assert out.text.tolist() == ["fine", "also fine"]
    with pytest.warns(DataWarning):
        cb = class_balance(df)
    assert cb.n.sum() == 2  # every helper sees the same, counted, rows


def test_missing_labels_are_skipped_with_a_count():
    df = frame(["a", "b", "c"], labels=["x", None, "y"])
    with pytest.warns(DataWarning, match="1 without a label"):
        assert len(tweet_frame(df)) == 2


def test_empty_dataset_is_an_error():
    for fn in (tweet_frame, class_balance, artefact_rates, duplicates, metadata_missingness):
        with pytest.raises(ValueError, match="empty"):
            fn(GOOD.iloc[:0])


def test_all_rows_bad_is_an_error():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        with pytest.raises(ValueError, match="No usable rows"):
            tweet_frame(frame([None, "", 3]))


def test_wrong_input_types_and_columns():
    with pytest.raises(TypeError, match="DatasetDict"):
        tweet_frame(["a", "b"])
    with pytest.raises(KeyError, match="'text'"):
        tweet_frame(GOOD.rename(columns={"text": "tweet"}))
    with pytest.raises(KeyError, match="label_col"):
        tweet_frame(GOOD.drop(columns="label_name"))
    assert tweet_frame(GOOD.rename(columns={"label_name": "label"})).label_name.tolist() == GOOD.label_name.tolist()
    assert len(tweet_frame(GOOD.rename(columns={"label_name": "y"}), label_col="y")) == len(GOOD)


def test_unknown_splits_are_clear_errors():
    with pytest.raises(KeyError, match="No split 'train'"):
        label_shift(GOOD)
    with pytest.raises(KeyError, match="split"):
        artefact_rates(GOOD, split="test")
    with pytest.raises(KeyError, match="split"):
        distinctive_terms(GOOD, split="test")


# ---- behaviour on a DatasetDict (the project's synthetic sample: runs anywhere)
@pytest.fixture(scope="module")
def sample():
    return make_sample(n_train=120, n_validation=30, n_test=60)


def test_class_balance_and_shift(sample):
    cb = class_balance(sample)
    assert list(cb.split.unique()) == ["train", "validation", "test"]
    assert np.allclose(cb.groupby("split").pct.sum(), 100) and cb.n.sum() == 210
    ir = imbalance_ratio(sample)
    assert (ir.ratio >= 1).all()
    sh = label_shift(sample, "train", "test")
    assert 0 <= sh.attrs["tvd"] <= 1 and abs(sh.diff_pp.sum()) < 1e-9
    assert label_shift(sample, "train", "train").attrs["tvd"] == 0


def test_lengths_and_coverage(sample):
    L = tweet_lengths(sample)
    assert len(L) == 210 and (L.tokens >= 2).all() and (L.chars >= L.words).all()
    cov = token_coverage(L, limits=(8, 16, 512))
    assert (cov["≤8"] <= cov["≤16"]).all() and (cov["≤512"] == 100).all()
    m = suggest_max_length(L, 0.99)
    assert m % 8 == 0 and (L[L.split == "train"].tokens <= m).mean() >= 0.99
    st_ = length_stats(L)
    assert st_.columns.get_level_values(0).unique().tolist() == ["words", "chars", "tokens"]
    assert count_tokens([]).shape == (0,)
    assert "tokens" not in tweet_lengths(sample, tokens=False)


def test_artefact_rates_are_shares(sample):
    r = artefact_rates(sample)
    assert r.pct_tweets.between(0, 100).all() and (r.per_tweet >= 0).all()
    assert (r.pct_tweets <= 100 * r.per_tweet + 1e-9).all()


def test_log_odds_properties():
    prior = np.array([10.0, 10.0, 10.0])
    z = log_odds(np.array([10, 0, 5]), np.array([0, 10, 5]), prior)
    assert z[0] > 0 > z[1] and abs(z[2]) < 1e-9 and abs(z[0] + z[1]) < 1e-9  # symmetric, neutral term at 0


def test_distinctive_terms_finds_the_planted_word():
    df = frame(["the zorbly cat"] * 6 + ["the plain dog"] * 6, labels=["x"] * 6 + ["y"] * 6)
    t = distinctive_terms(df, split=None, ngram_range=(1, 1), min_df=1)
    assert t[t.label_name == "x"].term.iloc[0] in ("zorbly", "cat")
    assert "the" not in set(t.term)  # an English stop word
    with pytest.raises(ValueError, match="min_df"):
        distinctive_terms(df, split=None, min_df=100)


def test_duplicates():
    df = pd.DataFrame({"split": ["train", "train", "test", "test"],
                       "text": ["Same tweet! @amy", "same tweet @bob", "Same tweet! @amy", "other"],
                       "label_name": ["a", "a", "b", "a"]})
    d = duplicates(df).set_index(["splits", "kind"])
    assert d.loc[("train – test", "exact"), "label_conflicts"] == 1 and d.loc[("within train", "near"), "pairs"] == 1
    assert set(duplicates(df, near=False).kind) == {"exact"}
    assert duplicate_pairs(df.iloc[[0, 3]]).empty and duplicates(df.iloc[[0, 3]]).empty
    assert near_duplicate_key("RT @A: Hi,  THERE!! https://x.co/1") == near_duplicate_key("rt @b hi there http")


def test_metadata_missingness():
    df = GOOD.assign(location=[None, "x", "", "y", np.nan, "z"], followers=[1, 2, 3, np.nan, 5, 6])
    m = metadata_missingness(df).set_index(["label_name", "column"]).pct_missing
    assert m.loc[("a", "location")] == 100 * 3 / 3 and m.loc[("b", "location")] == 0
    assert m.loc[("b", "followers")] == pytest.approx(100 / 3)
    assert metadata_missingness(GOOD).empty
    with pytest.raises(KeyError, match="nope"):
        metadata_missingness(df, columns=["nope"])


def test_plots_have_titles_and_labels(sample):
    L = tweet_lengths(sample)
    terms = distinctive_terms(sample, min_df=1, top=5)
    figs = [plot_class_balance(sample), plot_lengths(L, "words"), plot_artefact_rates(artefact_rates(sample)),
            plot_distinctive_terms(terms), plot_wordclouds(terms, width=120, height=80),
            plot_missingness(metadata_missingness(GOOD.assign(loc=[None, 1, 2, 3, 4, 5])))]
    for fig in figs:
        ax = fig.axes[0]
        assert ax.get_title() or fig._suptitle is not None
        plt.close(fig)
    with pytest.raises(KeyError):
        plot_lengths(L, "syllables")


# ---- properties
TEXTS = st.lists(st.one_of(st.text(max_size=40), st.none(), st.just(""), st.integers()), min_size=1, max_size=15)


@settings(max_examples=60, deadline=None)
@given(TEXTS)
def test_any_mix_of_texts_is_counted_or_rejected_clearly(texts):
    df = frame(texts)
    good = sum(isinstance(t, str) and t.strip() != "" for t in texts)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        if good == 0:
            with pytest.raises(ValueError):
                tweet_frame(df)
            return
        f = tweet_frame(df)
        assert len(f) == good
        cb = class_balance(df)
        assert cb.n.sum() == good and (cb.pct >= 0).all()
        r = artefact_rates(df)
        assert (r.per_tweet >= 0).all()


# ---- real data (skips without TWEETLAB_DATA)
@pytest.fixture(scope="module")
def tweeteval():
    if not os.environ.get("TWEETLAB_DATA"):
        pytest.skip("TWEETLAB_DATA is not set")
    from tweetlab.data.tweets import load_tweets
    return load_tweets("tweet_eval/emotion")


def test_tweeteval_label_shift_and_coverage(tweeteval):
    sh = label_shift(tweeteval)
    assert 0.01 < sh.attrs["tvd"] < 0.2  # TweetEval's train and test differ noticeably
    cov = token_coverage(tweet_lengths(tweeteval)).loc["train"]
    assert cov["≤64"] > 99 and cov["≤32"] < cov["≤64"]
