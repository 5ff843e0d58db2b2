"Hand-computed values, scikit-learn contracts, bad input and properties of tweetlab.features.handcrafted."
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from tweetlab.features.handcrafted import BLOCKS, TweetFeatures, feature_pipeline, make_classic, readability
from tweetlab.features.lexicons import offline_textstat

MPQA = ("type=strongsubj len=1 word1=hate pos1=verb stemmed1=n priorpolarity=negative\n"
        "type=weaksubj len=1 word1=happy pos1=adj stemmed1=n priorpolarity=positive\n")


def feats(texts, **kw) -> pd.DataFrame:
    tf = TweetFeatures(**kw).fit()
    return pd.DataFrame(tf.transform(list(texts)), columns=tf.get_feature_names_out())


# --- hand-computed values ---------------------------------------------------------------------------------

def test_counts_and_afinn_by_hand():
    f = feats(["I love this, I really love it!", "bad bad BAD day", "Good. Great. Fine."]).round(6)
    # 1: words i love this i really love it -> 7, unique 5; AFINN love +3 twice -> 6; 'really' boosts
    assert f.loc[0, "n_words"] == 7 and f.loc[0, "unique_ratio"] == round(5 / 7, 6) and f.loc[0, "afinn_sum"] == 6
    assert f.loc[0, "afinn_mean"] == 3 and f.loc[0, "afinn_max"] == 3 and f.loc[0, "afinn_min"] == 0 and f.loc[0, "intensifiers"] == 1
    assert f.loc[0, "mean_word_len"] == round((1 + 4 + 4 + 1 + 6 + 4 + 2) / 7, 6) and f.loc[0, "n_chars"] == 30
    # 2: AFINN bad -3 three times; capitals B A D of 12 letters; one all-caps word
    assert f.loc[1, "afinn_sum"] == -9 and f.loc[1, "afinn_min"] == -3 and f.loc[1, "afinn_neg"] == 3
    assert f.loc[1, "caps_ratio"] == 0.25 and f.loc[1, "all_caps"] == 1
    # 3: three words, AFINN good 3 + great 3 + fine 2
    assert f.loc[2, "afinn_sum"] == 8 and f.loc[2, "afinn_pos"] == 3 and f.loc[2, "n_words"] == 3


def test_nrc_proportions_by_hand():
    f = feats(["abandoned and happy"])
    # abandoned: anger fear negative sadness; happy: anticipation joy positive trust; 'and': none -> shares of 3 words
    assert np.isclose(f.loc[0, "nrc_anger"], 1 / 3) and np.isclose(f.loc[0, "nrc_joy"], 1 / 3) and f.loc[0, "nrc_disgust"] == 0


def test_links_and_mentions_never_remove_ordinary_words():
    f = feats(["email me@example.com about http and www please", "awww.so cute", "@user hi http://t.co/abc there",
               "the user at home"])
    assert f.loc[0, "n_words"] == 9 and f.loc[0, "mentions"] == 0  # email me example com about http and www please
    assert f.loc[1, "n_words"] == 3                                # 'awww.so' is not a link: awww, so, cute
    assert f.loc[2, "n_words"] == 2 and f.loc[2, "links"] == 1 and f.loc[2, "mentions"] == 1
    assert f.loc[3, "n_words"] == 4


def test_non_ascii_and_emoji_keep_their_signal():
    f = feats(["I love 😍", "I love", "Café naïve über straße", "ich liebe dich 😊", "😠😠"])
    assert f.loc[0, "emoji"] == 1 and f.loc[0, "vader_compound"] > f.loc[1, "vader_compound"]  # the emoji adds positivity
    assert f.loc[2, "n_words"] == 4 and f.loc[2, "mean_word_len"] == (4 + 5 + 4 + 6) / 4  # accented words stay whole
    assert f.loc[3, "emoji"] >= 1 and f.loc[3, "vader_pos"] > 0
    assert f.loc[4, "emoji"] == 2 and f.loc[4, "vader_compound"] < 0


def test_elongated_words_still_hit_the_lexicon():
    f = feats(["goooood", "good", "haaaate"])
    assert f.loc[0, "afinn_sum"] == f.loc[1, "afinn_sum"] == 3 and f.loc[2, "afinn_sum"] < 0 and f.loc[0, "elongated"] == 1


def test_readability_equals_textstat():
    import textstat
    offline_textstat()
    texts = ["The quick brown fox jumps over the lazy dog. It wasn't amused!", "Unbelievably incomprehensible communication.",
             "", "ok.", "Why? Because. Nobody knows why we do this at all!", "so... tired...... of this", "Café ☕ über alles"]
    rd = readability(texts)
    for i, t in enumerate(texts):
        assert rd.loc[i, "flesch"] == pytest.approx(textstat.flesch_reading_ease(t), abs=1e-9)
        assert rd.loc[i, "smog"] == pytest.approx(textstat.smog_index(t), abs=1e-9)
        assert rd.loc[i, "dale_chall"] == pytest.approx(textstat.dale_chall_readability_score(t), abs=1e-9)
        assert rd.loc[i, "n_sentences"] == textstat.sentence_count(t)


def test_vader_lexicon_mode_tracks_exact_mode():
    texts = ["I love this so much", "this is horrible and sad", "a table", "great great great", "i hate you"]
    ex, lx = feats(texts)["vader_compound"], feats(texts, vader="lexicon")["vader_compound"]
    assert (np.sign(ex.round(3)) == np.sign(lx.round(3))).all()


def test_mpqa_block(tmp_path):
    p = tmp_path / "clues.tff"; p.write_text(MPQA, encoding="utf-8")
    tf = TweetFeatures(mpqa_path=str(p)).fit()
    names = list(tf.get_feature_names_out())
    assert names[-4:] == ["mpqa_strong", "mpqa_weak", "mpqa_positive", "mpqa_negative"]
    f = pd.DataFrame(tf.transform(["i hate mondays", "so happy", "nothing"]), columns=names)
    assert np.isclose(f.loc[0, "mpqa_strong"], 1 / 3) and f.loc[0, "mpqa_negative"] > 0 and f.loc[0, "mpqa_weak"] == 0
    assert f.loc[1, "mpqa_weak"] == 0.5 and f.loc[1, "mpqa_positive"] == 0.5 and f.loc[2, ["mpqa_strong", "mpqa_weak"]].sum() == 0


# --- scikit-learn contracts -------------------------------------------------------------------------------

def test_clone_and_params_unchanged():
    tf = TweetFeatures(blocks=("afinn", "nrc"), vader="lexicon", afinn="afinn-111")
    c = clone(tf)
    assert c.get_params() == tf.get_params() and c.blocks == ("afinn", "nrc")
    assert c.fit(["x"]).get_feature_names_out()[0] == "afinn_sum"
    assert not hasattr(TweetFeatures(), "feature_names_out_")  # nothing set before fit


def test_in_a_pipeline_and_pandas_output():
    texts = ["i love it", "i hate it", "so happy :)", "so sad :(", "great day", "awful day"] * 3
    y = [1, 0, 1, 0, 1, 0] * 3
    pipe = Pipeline([("f", TweetFeatures(blocks=("afinn", "style"))), ("clf", LogisticRegression())]).fit(texts, y)
    assert (pipe.predict(["love love", "hate hate"]) == [1, 0]).all()
    out = TweetFeatures(blocks=("counts",)).set_output(transform="pandas").fit_transform(pd.Series(texts[:3], index=[5, 6, 7]))
    assert list(out.columns) == ["n_chars", "n_words", "mean_word_len", "unique_ratio", "n_sentences"]
    m = make_classic(min_df=1, char=False).fit(texts, y)
    assert m.score(texts, y) == 1.0


def test_feature_pipeline_fits_scaler_on_training_only():
    train, other = ["short", "a bit longer text here"], ["a very very very long text with many many words in it today"]
    fp = feature_pipeline(word=False, char=False, blocks=("counts",)).fit(train)
    scaler = fp.named_steps["union"].transformer_list[0][1].named_steps["scale"]
    assert scaler.n_samples_seen_ == 2
    assert fp.transform(other)[0, 1] > 2  # n_words far above the training mean, in training standard deviations


def test_dataframe_input():
    df = pd.DataFrame({"text": ["good", "bad"]})
    assert TweetFeatures().fit_transform(df).shape[0] == 2
    with pytest.raises(ValueError, match="one text column"):
        TweetFeatures().fit_transform(pd.DataFrame({"a": ["x"], "b": ["y"]}))


# --- bad input --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kw, msg", [(dict(blocks=("afinn", "emojis")), "Unknown feature blocks"), (dict(blocks=()), "empty"),
                                     (dict(vader="fast"), "vader must be"), (dict(afinn="afinn-96"), "afinn must be"),
                                     (dict(blocks=("mpqa",)), "mpqa_path")])
def test_bad_settings(kw, msg):
    with pytest.raises(ValueError, match=msg): TweetFeatures(**kw).fit(["x"])


def test_bad_texts():
    with pytest.raises(TypeError, match="position 1"): TweetFeatures().fit_transform(["ok", None])
    with pytest.raises(TypeError, match="one string"): TweetFeatures().fit_transform("just one string")
    with pytest.raises(Exception, match="fit"): TweetFeatures().transform(["x"])
    with pytest.raises(FileNotFoundError): TweetFeatures(mpqa_path="/nonexistent.tff").fit()


def test_empty_inputs_give_defined_rows():
    tf = TweetFeatures().fit()
    assert tf.transform([]).shape == (0, len(tf.get_feature_names_out()))
    X = tf.transform(["", " ", "!!!", "😂"])
    assert np.isfinite(X).all() and (X[0] == 0).all()  # an empty text: all zeros
    assert set(BLOCKS) >= {"counts", "mpqa"}


# --- properties -------------------------------------------------------------------------------------------

TF = TweetFeatures().fit()
TFL = TweetFeatures(vader="lexicon").fit()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.text(max_size=80), min_size=1, max_size=5))
def test_every_feature_is_finite_for_any_unicode(texts):
    for tf in (TF, TFL):
        X = tf.transform(texts)
        assert X.shape == (len(texts), len(tf.get_feature_names_out())) and np.isfinite(X).all()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["love", "hate", "the", "day", "not", "very", "sad", "😂", "#joy", "@user", "!!", ":)", "LOL"]),
                max_size=12))
def test_rows_do_not_depend_on_other_rows(words):
    text = " ".join(words)
    alone = TF.transform([text])
    with_others = TF.transform(["something else entirely", text, ""])[1:2]
    assert np.allclose(alone, with_others)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.from_regex(r"[a-z]{1,8}", fullmatch=True), min_size=1, max_size=10),
       st.sampled_from([" ", ", ", "... ", "! ", " - "]))
def test_ordinary_words_are_all_counted(words, sep):
    f = feats([sep.join(words)], blocks=("counts",))
    assert f.loc[0, "n_words"] == len(words)
