"Loading, bad input and offline behaviour of tweetlab.features.lexicons."
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from tweetlab.features.lexicons import (LEXICONS, NRC_EMOTIONS, _read_tsv, get_lexicon_info, lexicon_file, lexicon_table, load_cmudict,
                               load_lexicon, offline_textstat, read_mpqa, syllable_count)

MPQA_SAMPLE = ("type=strongsubj len=1 word1=abandoned pos1=adj stemmed1=n priorpolarity=negative\n"
               "type=weaksubj len=1 word1=ability pos1=noun stemmed1=n priorpolarity=positive\n"
               "\n"
               "type=weaksubj len=1 word1=Abandon pos1=verb stemmed1=y priorpolarity=negative\n")


@pytest.mark.parametrize("name", [n for n in LEXICONS if n != "mpqa"])
def test_every_packaged_lexicon_loads(name):
    df = load_lexicon(name)
    assert len(df) > 0 and df.index.name == "term" and df.index.is_unique
    assert tuple(df.columns) == LEXICONS[name].columns
    assert df.index.map(lambda t: isinstance(t, str) and t == t.strip() and t != "").all()


def test_known_sizes_and_values():
    assert len(load_lexicon("afinn-111")) == 2477 and len(load_lexicon("afinn-en-165")) == 3382
    assert load_lexicon("afinn").loc["abandon", "score"] == -2 and load_lexicon("afinn-emoticon").loc[":)", "score"] == 2
    nrc = load_lexicon("nrc")
    assert tuple(nrc.columns) == NRC_EMOTIONS and len(nrc) == 6468
    assert nrc.loc["abandon", ["fear", "negative", "sadness"]].tolist() == [1, 1, 1] and nrc.loc["abandon", "joy"] == 0
    vader = load_lexicon("vader")
    assert len(vader) == 7506 and vader.loc["fav", "valence"] > 0
    assert load_lexicon("vader-emoji").loc["😂", "description"] == "face with tears of joy"


def test_own_lists_have_headers_and_ship_with_the_package():
    for name in ("negators", "intensifiers", "emoticons", "slang"):
        f = lexicon_file(name)
        first = f.read_text(encoding="utf-8").split("\n")[0]
        assert first.startswith("# tweetlab "), f"{name} needs a header line"
        assert not load_lexicon(name).index.str.startswith("#").any()


def test_readme_lists_every_lexicon():
    readme = Path(__file__).resolve().parents[1] / "lexicons" / "README.md"
    if not readme.exists(): pytest.skip("not a source checkout")
    text = readme.read_text(encoding="utf-8")
    for name in LEXICONS: assert f"`{name}`" in text


def test_copies_do_not_touch_the_cache():
    df = load_lexicon("afinn"); df.loc["good", "score"] = 99; df = df.drop(index="bad")
    again = load_lexicon("afinn")
    assert again.loc["good", "score"] == 3 and "bad" in again.index


def test_bad_names_and_paths():
    with pytest.raises(KeyError, match="Known:"): load_lexicon("afin")
    with pytest.raises(ValueError, match="path="): load_lexicon("mpqa")
    with pytest.raises(ValueError, match="only for 'mpqa'"): load_lexicon("vader", path="x.txt")
    with pytest.raises(FileNotFoundError, match="not found"): load_lexicon("mpqa", path="/nonexistent/clues.tff")
    assert get_lexicon_info("EmoLex").name == "nrc"


def test_mpqa_round_trip(tmp_path):
    f = tmp_path / "clues.tff"; f.write_text(MPQA_SAMPLE, encoding="utf-8")
    df = load_lexicon("mpqa", path=f)
    assert list(df.index) == ["abandoned", "ability", "abandon"]  # lower-cased, blank line skipped
    assert df["type"].tolist() == ["strongsubj", "weaksubj", "weaksubj"]
    assert df["stemmed"].tolist() == [False, False, True] and df["polarity"].tolist() == ["negative", "positive", "negative"]
    assert list(df.columns) == ["type", "pos", "stemmed", "polarity"]
    assert read_mpqa(str(f)).equals(df)


@pytest.mark.parametrize("bad, lineno, msg", [
    ("type=strongsubj len=1 word1\n", 2, "key=value"),
    ("type=strongsubj len=1 word1=x pos1=adj stemmed1=n\n", 2, "priorpolarity"),
    ("type=mediumsubj len=1 word1=x pos1=adj stemmed1=n priorpolarity=neutral\n", 2, "strongsubj or weaksubj"),
])
def test_mpqa_bad_lines_name_the_line(tmp_path, bad, lineno, msg):
    f = tmp_path / "bad.tff"
    f.write_text(MPQA_SAMPLE.split("\n")[0] + "\n" + bad, encoding="utf-8")
    with pytest.raises(ValueError, match=f"line {lineno}.*{msg}|{msg}.*line {lineno}"): read_mpqa(f)


def test_mpqa_empty_file(tmp_path):
    f = tmp_path / "empty.tff"; f.write_text("\n\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no clues"): read_mpqa(f)


def test_tsv_reader_errors_name_the_line(tmp_path):
    f = tmp_path / "list.txt"
    f.write_text("# header\ngood\t3\nbad\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 3"): _read_tsv(f, "test", ("score",), numeric=("score",))
    f.write_text("# header\ngood\tthree\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 2.*not a number"): _read_tsv(f, "test", ("score",), numeric=("score",))
    f.write_text("# only a header\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no entries"): _read_tsv(f, "test", ("score",))


def test_lexicon_table():
    t = lexicon_table().set_index("name")
    assert set(t.index) == set(LEXICONS) and pd.isna(t.loc["mpqa", "entries"]) and t.loc["nrc", "entries"] == 6468


def test_textstat_offline_never_downloads(monkeypatch):
    import nltk
    def no_download(*a, **k): raise AssertionError("nltk.download must never be called")
    monkeypatch.setattr(nltk, "download", no_download)
    import textstat
    t0 = time.perf_counter()
    offline_textstat()
    textstat.flesch_reading_ease("A completely new sentence to score. It has two sentences.")
    textstat.smog_index("Another fresh text with beautiful unbelievable words.")
    assert time.perf_counter() - t0 < 15
    assert textstat.syllable_count("beautiful") == 3


def test_syllable_count_matches_cmudict():
    d = load_cmudict()
    assert "tweet" in d and syllable_count("Tweet") == 1 and syllable_count("unbelievable") == 5


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30))
def test_syllable_count_total(word):
    n = syllable_count(word)
    assert isinstance(n, int) and n >= 0 and (n == 0) == (word == "")
