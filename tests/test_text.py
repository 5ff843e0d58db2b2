"""tweetlab.features.text: bad input, round trips and properties (hypothesis)."""

import os
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from tweetlab.core.checks import check_texts
from tweetlab.features.text import (ARTEFACTS, EMOTICON_RE, HASHTAG_RE, MENTION_RE, URL_RE, count_artefacts,
                           emoji_to_text, normalize_tweet, normalize_tweets, text_to_emoji, tokenize)

BAD = [None, float("nan"), np.nan, 3, 2.5, b"bytes", ["list"], pd.NA]
ANY_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80)  # any Unicode but lone surrogates
SOME_EMOJI = ["😂", "😍", "❤️", "👍🏽", "🇺🇸", "🔥", "😭", "👨‍👩‍👧", "🙏", "✨", "💯", "😊"]


# ---- bad input
@pytest.mark.parametrize("bad", BAD)
@pytest.mark.parametrize("fn", [normalize_tweet, emoji_to_text, text_to_emoji, tokenize])
def test_single_text_helpers_reject_non_strings(fn, bad):
    with pytest.raises(TypeError, match="not strings"):
        fn(bad)


def test_batch_error_names_position_type_and_count():
    items = ["ok", "fine", None, 7, float("nan")]
    for fn in (normalize_tweets, count_artefacts, check_texts):
        with pytest.raises(TypeError) as e:
            fn(items)
        msg = str(e.value)
        assert "3 of 5" in msg and "position 2" in msg and "NoneType" in msg


def test_one_string_instead_of_a_list_is_an_error():
    for fn in (normalize_tweets, count_artefacts):
        with pytest.raises(TypeError, match="wrap it in a list"):
            fn("a single tweet")


def test_on_bad_empty_counts_as_zero_and_warns_with_count():
    s = pd.Series(["#a :)", None, np.nan, "b"], index=list("wxyz"))
    with pytest.warns(UserWarning, match="2 of 4 items are not strings"):
        c = count_artefacts(s, on_bad="empty")
    assert c.index.tolist() == list("wxyz")
    assert c.loc[["x", "y"]].to_numpy().sum() == 0
    assert c.loc["w", "hashtags"] == 1 and c.loc["w", "emoticons"] == 1


def test_on_bad_unknown_value():
    with pytest.raises(ValueError, match="on_bad"):
        count_artefacts(["a"], on_bad="drop")


def test_empty_strings_and_empty_input():
    c = count_artefacts(["", "", " "])
    assert c.shape == (3, len(ARTEFACTS)) and (c.to_numpy() == 0).all()
    e = count_artefacts([])
    assert list(e.columns) == list(ARTEFACTS) and len(e) == 0
    assert normalize_tweets([]) == [] and normalize_tweet("") == "" and tokenize("") == []
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning for valid input
        count_artefacts(["", "x"])


# ---- behaviour on known cases
def test_normalize_placeholders():
    t = "@Bob_1 &amp; @c see https://t.co/x and www.foo.com &lt;3 me@mail.com"
    assert normalize_tweet(t) == "@user & @user see http and http <3 me@mail.com"
    assert normalize_tweet(t, users=False).startswith("@Bob_1 & @c")
    assert "https://t.co/x" in normalize_tweet(t, links=False)
    assert "&amp;" in normalize_tweet(t, unescape=False)
    assert normalize_tweet("yay 😂", emoji_to_text=True) == "yay :face_with_tears_of_joy:"


def test_count_artefacts_known_row():
    c = count_artefacts(["@user OMG sooo happy!!! 😂😂 #yay :D http? ?"]).iloc[0]
    assert c.to_dict() == dict(hashtags=1, mentions=1, links=1, emoji=2, emoticons=1, elongated=1, all_caps=1,
                               exclamations=3, questions=2)


def test_regexes_are_compiled_and_sane():
    assert MENTION_RE.findall("@a x@b @@c") == ["@a"]
    assert HASHTAG_RE.findall("#x a#b") == ["#x"]
    assert URL_RE.findall("go http://a.b/c now") == ["http://a.b/c"]
    assert EMOTICON_RE.findall(":) :( :D ;) <3 :-/ xD") == [":)", ":(", ":D", ";)", "<3", ":-/", "xD"]
    assert EMOTICON_RE.findall("http://x (page 8) a:b") == []


def test_tokenize_options():
    assert tokenize("SOOOOO happy :-)") == ["sooo", "happy", ":-)"]
    assert tokenize("SOOOOO", preserve_case=True, reduce_len=False) == ["SOOOOO"]


# ---- properties
@settings(max_examples=300, deadline=None)
@given(ANY_TEXT)
def test_text_helpers_never_raise_on_unicode(t):
    for out in (normalize_tweet(t), normalize_tweet(t, emoji_to_text=True), emoji_to_text(t), text_to_emoji(t)):
        assert isinstance(out, str)
    toks = tokenize(t)
    assert isinstance(toks, list) and all(isinstance(x, str) for x in toks)


@settings(max_examples=100, deadline=None)
@given(st.lists(ANY_TEXT, max_size=20))
def test_counts_are_non_negative_integers_one_row_each(texts):
    c = count_artefacts(texts)
    assert len(c) == len(texts) and list(c.columns) == list(ARTEFACTS)
    assert (c.dtypes == "int64").all() and (c.to_numpy() >= 0).all()
    assert (c["exclamations"].to_numpy() == [t.count("!") for t in texts]).all()


@settings(max_examples=200, deadline=None)
@given(ANY_TEXT)
def test_normalize_is_idempotent_without_unescape(t):
    once = normalize_tweet(t, unescape=False)
    assert normalize_tweet(once, unescape=False) == once


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.text(alphabet="abcXYZ 019!?#@.,", max_size=6), st.sampled_from(SOME_EMOJI)), max_size=12))
def test_emoji_round_trip(parts):
    t = "".join(parts)
    named = emoji_to_text(t)
    assert text_to_emoji(named) == t
    assert count_artefacts([named])["emoji"].iloc[0] == 0  # no emoji left after demojizing


# ---- real data (skips without TWEETLAB_DATA)
@pytest.fixture(scope="module")
def carer_train():
    if not os.environ.get("TWEETLAB_DATA"):
        pytest.skip("TWEETLAB_DATA is not set")
    from tweetlab.data.tweets import load_tweets
    return load_tweets("emotion")["train"]["text"]


def test_count_artefacts_on_carer_train(carer_train):
    c = count_artefacts(carer_train)  # speed is measured in the notebook, not asserted here
    assert len(c) == len(carer_train) == 16000
    assert c[["mentions", "emoji", "hashtags"]].to_numpy().sum() == 0  # CARER was stripped of these


def test_tweeteval_literal_newline():
    "TweetEval writes a line break as the two characters backslash and n: mentions and hashtags after it are found."
    from tweetlab.features.text import LITERAL_NEWLINE, MENTION_RE, HASHTAG_RE, normalize_tweet, count_artefacts
    raw = "say it.\\n@JoyAnnReid @user\\n#peace and\\nOMG"
    assert LITERAL_NEWLINE == "\\n" and LITERAL_NEWLINE in raw
    assert MENTION_RE.findall(raw) == ["@JoyAnnReid", "@user"] and HASHTAG_RE.findall(raw) == ["#peace"]
    assert normalize_tweet(raw) == "say it.\n@user @user\n#peace and\nOMG"
    assert normalize_tweet(raw, newlines=False).count("\\n") == 3
    c = count_artefacts([raw]).iloc[0]
    assert (c["mentions"], c["hashtags"], c["all_caps"]) == (2, 1, 1)
    assert MENTION_RE.findall("mail me@example.com or\\nme") == []        # an e-mail address is still not a mention
