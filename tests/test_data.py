"Bad input, layouts, round trips and properties of tweetlab.data.tweets."
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from datasets import ClassLabel, Dataset
from hypothesis import given, settings, strategies as st

from tweetlab.data.tweets import (DATASETS, DataWarning, get_spec, id2label, label2id, label_names, load_tweets, make_sample,
                           official_score, _read_mapping, subsample, to_pandas)


def write_tweet_eval(folder: Path, splits: dict, mapping=("neg", "pos")) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "mapping.txt").write_text("".join(f"{i}\t{n}\n" for i, n in enumerate(mapping)))
    for split, (texts, labels) in splits.items():
        (folder / f"{split}_text.txt").write_text("".join(t + "\n" for t in texts), encoding="utf-8")
        (folder / f"{split}_labels.txt").write_text("".join(f"{l}\n" for l in labels))
    return folder


# --- TweetEval layout -----------------------------------------------------------------------------------

def test_any_tweet_eval_task_folder(tmp_path):
    write_tweet_eval(tmp_path / "tweet_eval" / "irony", {"train": (["a", "b", "c"], [0, 1, 1]), "val": (["d"], [0]), "test": (["e", "f"], [1, 0])},
                     mapping=("non_irony", "irony"))
    dsd = load_tweets("tweet_eval/irony", data_dir=tmp_path)
    assert {k: len(v) for k, v in dsd.items()} == {"train": 3, "validation": 1, "test": 2}
    assert label_names(dsd) == ["non_irony", "irony"] and dsd["train"]["label"] == [0, 1, 1]
    assert isinstance(dsd["train"].features["label"], ClassLabel)
    # a task the registry has never heard of loads the same way
    write_tweet_eval(tmp_path / "tweet_eval" / "newtask", {"train": (["x", "y"], [1, 0])}, mapping=("a", "b"))
    with pytest.warns(DataWarning, match="no validation, test split"):
        assert label_names(load_tweets("tweet_eval/newtask", data_dir=tmp_path)) == ["a", "b"]


def test_folder_path_directly(tmp_path):
    folder = write_tweet_eval(tmp_path / "x", {"train": (["a", "b"], [0, 1]), "val": (["c"], [1]), "test": (["d"], [0])})
    assert len(load_tweets(folder)["train"]) == 2


def test_mismatched_lengths_name_both_files(tmp_path):
    folder = write_tweet_eval(tmp_path / "tweet_eval" / "emotion", {"train": (["a", "b", "c"], [0, 1])})
    with pytest.raises(ValueError) as e: load_tweets("tweet_eval/emotion", data_dir=tmp_path)
    msg = str(e.value)
    assert "train_text.txt has 3 lines" in msg and "train_labels.txt has 2" in msg


def test_label_missing_from_mapping(tmp_path):
    write_tweet_eval(tmp_path / "tweet_eval" / "emotion", {"train": (["a", "b"], [0, 7])})
    with pytest.raises(ValueError, match=r"line 2: label id 7 is not in the label map"):
        load_tweets("tweet_eval/emotion", data_dir=tmp_path)


def test_non_integer_label_and_bad_mapping(tmp_path):
    folder = write_tweet_eval(tmp_path / "t", {"train": (["a"], ["x"])})
    with pytest.raises(ValueError, match="not an integer id"): load_tweets(folder)
    (tmp_path / "m.txt").write_text("0\tneg\n2\tpos\n")
    with pytest.raises(ValueError, match="without gaps"): _read_mapping(tmp_path / "m.txt")
    (tmp_path / "m.txt").write_text("neg\n")
    with pytest.raises(ValueError, match="expected 'id<TAB>name'"): _read_mapping(tmp_path / "m.txt")


def test_half_a_split_is_an_error(tmp_path):
    folder = write_tweet_eval(tmp_path / "t", {"train": (["a"], [0])})
    (folder / "test_text.txt").write_text("lonely\n")
    with pytest.raises(FileNotFoundError, match="test_labels.txt is missing"): load_tweets(folder)


def test_crlf_and_unicode_separators(tmp_path):
    folder = tmp_path / "t"; folder.mkdir()
    (folder / "mapping.txt").write_text("0\tneg\r\n1\tpos\r\n")
    (folder / "train_text.txt").write_bytes("one\u2028still one\r\ntwo 😀\r\n".encode())
    (folder / "train_labels.txt").write_text("0\r\n1\r\n")
    with pytest.warns(DataWarning):
        dsd = load_tweets(folder)
    assert dsd["train"]["text"] == ["one\u2028still one", "two 😀"]


def test_empty_texts_kept_by_default_dropped_or_raised_on_request(tmp_path):
    write_tweet_eval(tmp_path / "tweet_eval" / "emotion", {"train": (["ok", "   ", "", "fine"], [0, 1, 1, 0])})
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*empty")   # a registered dataset keeps its blank tweets, as its scorer counts them
        dsd = load_tweets("tweet_eval/emotion", data_dir=tmp_path)
    assert dsd["train"]["text"] == ["ok", "   ", "", "fine"] and dsd["train"]["label"] == [0, 1, 1, 0]
    with pytest.warns(DataWarning, match=r"2 of 4 rows have an empty text.*dropped them"):
        dsd = load_tweets("tweet_eval/emotion", data_dir=tmp_path, bad_text="drop")
    assert dsd["train"]["text"] == ["ok", "fine"] and dsd["train"]["label"] == [0, 0]
    with pytest.raises(ValueError, match="bad_text='drop'"):
        load_tweets("tweet_eval/emotion", data_dir=tmp_path, bad_text="raise")
    with pytest.raises(ValueError, match="bad_text must be"):
        load_tweets("tweet_eval/emotion", data_dir=tmp_path, bad_text="ignore")


def test_own_file_blank_and_missing_texts_are_kept_and_counted(tmp_path):
    import pandas as pd
    pd.DataFrame({"text": ["good", None, "  "], "label": ["a", "b", "a"]}).to_parquet(tmp_path / "t.parquet")
    with pytest.warns(DataWarning, match=r"1 of 3 rows have an empty text \(row indices 2\) and 1 a missing.*kept them"):
        dsd = load_tweets(tmp_path / "t.parquet")
    assert dsd["train"]["text"] == ["good", "", "  "] and len(dsd["train"]) == 3


def test_absent_split_is_announced(tmp_path):
    write_tweet_eval(tmp_path / "tweet_eval" / "sentiment", {"val": (["a"], [0]), "test": (["b"], [1])}, ("negative", "neutral", "positive"))
    with pytest.warns(DataWarning, match="no train split"):
        dsd = load_tweets("tweet_eval/sentiment", data_dir=tmp_path)
    assert list(dsd) == ["validation", "test"]


# --- CARER layout ---------------------------------------------------------------------------------------

def test_carer_uses_hub_label_order(tmp_path):
    folder = tmp_path / "emotion"; folder.mkdir()
    (folder / "train.txt").write_text("text;label_name\ni feel; very sad;sadness\ni am so happy;joy\nscared;fear\n")
    (folder / "val.txt").write_text("text;label_name\nlove it;love\n")
    (folder / "test.txt").write_text("text;label_name\nwow;surprise\n")
    dsd = load_tweets("carer", data_dir=tmp_path)
    assert dsd["train"]["text"][0] == "i feel; very sad"             # split on the last semicolon
    assert dsd["train"]["label"] == [0, 1, 4] and dsd["validation"]["label"] == [2] and dsd["test"]["label"] == [5]
    assert label_names(dsd) == list(DATASETS["emotion"].labels)
    (folder / "test.txt").write_text("text;label_name\nwow;amazement\n")
    with pytest.raises(ValueError, match=r"test.txt, line 2: label 'amazement' is not one of"):
        load_tweets("emotion", data_dir=tmp_path)
    (folder / "test.txt").write_text("text;label_name\nno separator here\n")
    with pytest.raises(ValueError, match="expected 'text;label'"):
        load_tweets("emotion", data_dir=tmp_path)


# --- table files ----------------------------------------------------------------------------------------

def test_csv_string_labels_and_wrong_column(tmp_path):
    p = tmp_path / "t.csv"
    pd.DataFrame({"tweet": ["love it", "hate it", "NA", "null"], "y": ["pos", "neg", "pos", "neg"]}).to_csv(p, index=False)
    dsd = load_tweets(p, text_col="tweet", label_col="y")
    assert label_names(dsd) == ["neg", "pos"] and dsd["train"]["label"] == [1, 0, 1, 0]
    assert dsd["train"]["text"][2:] == ["NA", "null"]                # literal NA is a tweet, not a missing value
    with pytest.raises(KeyError, match=r"no column 'text'; its columns are \['tweet', 'y'\]"):
        load_tweets(p)
    with pytest.raises(ValueError, match=r"labels outside the label set \['neg', 'neutral'\]: 'pos' \(2 rows\)"):
        load_tweets(p, text_col="tweet", label_col="y", label_names=["neg", "neutral"])


def test_label_map_and_int_labels(tmp_path):
    p = tmp_path / "t.tsv"
    p.write_text("text\tlabel\nsad day\t0\ngreat day\t4\n")
    dsd = load_tweets(p, label_map={0: "negative", 4: "positive"})
    assert label_names(dsd) == ["negative", "positive"] and dsd["train"]["label"] == [0, 1]
    with pytest.raises(ValueError, match="not in label_map"):
        load_tweets(p, label_map={0: "negative"})
    with pytest.raises(ValueError, match=r"label ids \[4\] are outside the label set"):
        load_tweets(p, label_names=["a", "b"])


def test_parquet_jsonl_and_split_dict(tmp_path):
    pd.DataFrame({"text": ["a", "b"], "label": ["x", "y"]}).to_parquet(tmp_path / "train.parquet")
    pd.DataFrame({"text": ["c", 3, None], "label": ["y", "x", "x"]}).to_json(tmp_path / "test.jsonl", orient="records", lines=True)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        dsd = load_tweets({"train": tmp_path / "train.parquet", "test": tmp_path / "test.jsonl"})
    msgs = " ".join(str(x.message) for x in w)
    assert "2 a missing or non-string text" in msgs
    assert dsd["test"]["text"] == ["c", "3", ""] and label_names(dsd) == ["x", "y"]   # kept: a number as its text, None as empty
    assert len(load_tweets(tmp_path, label_col="label")["train"]) == 2   # a folder of split files


def test_missing_labels_and_files(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("text,label\nhello,\nworld,a\n")
    with pytest.raises(ValueError, match="1 rows have no label"): load_tweets(p)
    with pytest.raises(FileNotFoundError, match="does not exist"): load_tweets({"train": tmp_path / "nope.csv"})
    (tmp_path / "t.xlsx").write_text("x")
    with pytest.raises(ValueError, match="unsupported file type"): load_tweets(tmp_path / "t.xlsx")


# --- resolution order and errors ------------------------------------------------------------------------

def test_missing_dataset_error_lists_what_was_tried(tmp_path, monkeypatch):
    monkeypatch.delenv("TWEETLAB_DATA", raising=False)
    with pytest.raises(FileNotFoundError) as e:
        load_tweets("tweet_eval/emotion", data_dir=tmp_path)
    msg = str(e.value)
    assert "data_dir=" in msg and "TWEETLAB_DATA: not set" in msg and "HF_HUB_OFFLINE" in msg and "To fix" in msg


def test_data_dir_wins_over_env(tmp_path, monkeypatch):
    a = write_tweet_eval(tmp_path / "a" / "tweet_eval" / "emotion", {"train": (["from a"], [0])})
    b = write_tweet_eval(tmp_path / "b" / "tweet_eval" / "emotion", {"train": (["from b"], [0])})
    monkeypatch.setenv("TWEETLAB_DATA", str(tmp_path / "b"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert load_tweets("tweet_eval/emotion", data_dir=tmp_path / "a")["train"]["text"] == ["from a"]
        assert load_tweets("tweet_eval/emotion")["train"]["text"] == ["from b"]
        # an explicit data_dir without the dataset falls through to TWEETLAB_DATA (the documented order)
        assert load_tweets("tweet_eval/emotion", data_dir=tmp_path / "empty")["train"]["text"] == ["from b"]


def test_hub_is_not_tried_offline(monkeypatch, tmp_path):
    "With HF_HUB_OFFLINE set the loader must not even import the Hub loader."
    import datasets
    monkeypatch.delenv("TWEETLAB_DATA", raising=False)
    monkeypatch.setattr(datasets, "load_dataset", lambda *a, **k: pytest.fail("the Hub was contacted"))
    with pytest.raises(FileNotFoundError): load_tweets("emotion", data_dir=tmp_path)


def test_hub_path_normalises(monkeypatch, tmp_path):
    "The Hub branch (mocked) returns the same shape as the local files."
    import datasets
    monkeypatch.delenv("TWEETLAB_DATA", raising=False)
    fake = datasets.DatasetDict({s: Dataset.from_dict({"text": ["a", "b"], "label": [0, 5]},
                                 features=datasets.Features({"text": datasets.Value("string"), "label": ClassLabel(names=list(DATASETS["emotion"].labels))}))
                                 for s in ("train", "validation", "test")})
    calls = []
    monkeypatch.setattr(datasets, "load_dataset", lambda *a, **k: calls.append(a) or fake)
    dsd = load_tweets("emotion", data_dir=tmp_path, hub=True)
    assert calls == [("dair-ai/emotion", "split")] and label_names(dsd) == list(DATASETS["emotion"].labels)
    assert dsd["test"]["label"] == [0, 5]


def test_unknown_name():
    with pytest.raises(KeyError, match="Known names"): load_tweets("tweeteval-emotion")
    assert get_spec("cardiffnlp/tweet_eval/sentiment").metric == "macro_recall"


# --- helpers --------------------------------------------------------------------------------------------

def test_label_helpers_and_pandas_view():
    s = make_sample()
    assert id2label(s) == {0: "anger", 1: "joy", 2: "optimism", 3: "sadness"} and label2id(s["train"])["joy"] == 1
    df = to_pandas(s)
    assert list(df.columns) == ["split", "text", "label", "label_name"] and len(df) == 420
    assert (df["label_name"].cat.codes == df["label"]).all()
    with pytest.raises(TypeError, match="Dataset or DatasetDict"): to_pandas([1, 2])
    with pytest.raises(ValueError, match="no ClassLabel"): label_names(Dataset.from_dict({"text": ["a"], "label": [0]}))


def test_subsample_errors():
    s = make_sample()
    with pytest.raises(ValueError, match="exactly one"): subsample(s)
    with pytest.raises(ValueError, match="frac must be"): subsample(s, frac=1.5)
    with pytest.raises(ValueError, match="no 'label' column"): subsample(Dataset.from_dict({"x": [1, 2, 3]}), n=2)
    assert len(subsample(Dataset.from_dict({"x": [1, 2, 3]}), n=2, stratify=False)) == 2


@settings(max_examples=60, deadline=None)
@given(labels=st.lists(st.integers(0, 4), min_size=1, max_size=200), n=st.integers(1, 250), seed=st.integers(0, 10))
def test_subsample_properties(labels, n, seed):
    ds = Dataset.from_dict({"text": [str(i) for i in range(len(labels))], "label": labels})
    sub = subsample(ds, n=n, seed=seed)
    assert len(sub) == min(n, len(labels))
    idx = [int(t) for t in sub["text"]]
    assert idx == sorted(idx) and len(set(idx)) == len(idx)              # original order, no repeats
    full, part = np.bincount(labels, minlength=5), np.bincount(sub["label"], minlength=5)
    assert (part <= full).all()
    assert np.all(np.abs(part - full * len(sub) / len(labels)) < 1 + 1e-9)   # within one row of proportional
    assert subsample(ds, n=n, seed=seed)["text"] == sub["text"]


def test_official_score_matches_sklearn():
    from sklearn.metrics import f1_score, recall_score
    rng = np.random.default_rng(0)
    y, p = rng.integers(0, 4, 100), rng.integers(0, 4, 100)
    assert official_score("tweet_eval/emotion", y, p) == pytest.approx(f1_score(y, p, average="macro"))
    y3, p3 = y % 3, p % 3
    assert official_score("tweet_eval/sentiment", y3, p3) == pytest.approx(recall_score(y3, p3, average="macro"))
    y2, p2 = y % 2, p % 2
    assert official_score("tweet_eval/irony", y2, p2) == pytest.approx(f1_score(y2, p2))
    with pytest.raises(ValueError, match="empty"): official_score("emotion", [], [])


# --- the real corpora -----------------------------------------------------------------------------------

def test_real_corpora(real_data):
    te = load_tweets("tweet_eval/emotion")
    assert {k: len(v) for k, v in te.items()} == {"train": 3257, "validation": 374, "test": 1421}
    assert label_names(te) == ["anger", "joy", "optimism", "sadness"]
    carer = load_tweets("emotion")
    assert {k: len(v) for k, v in carer.items()} == {"train": 16000, "validation": 2000, "test": 2000}
    assert label_names(carer) == ["sadness", "joy", "love", "anger", "fear", "surprise"]
    assert np.bincount(carer["train"]["label"]).tolist() == [4666, 5362, 1304, 2159, 1937, 572]
    with pytest.warns(DataWarning, match="no train split"):
        senti = load_tweets("tweet_eval/sentiment")
    assert len(senti["validation"]) == 2000 and label_names(senti) == ["negative", "neutral", "positive"]


def test_official_score_takes_class_names():
    y, p = ["negative", "neutral", "positive", "neutral"], ["negative", "positive", "positive", "neutral"]
    ids = {"negative": 0, "neutral": 1, "positive": 2}
    assert official_score("tweet_eval/sentiment", y, p) == official_score("tweet_eval/sentiment", [ids[v] for v in y], [ids[v] for v in p])
    with pytest.raises(ValueError, match="outside"): official_score("tweet_eval/sentiment", ["joy"], ["neutral"])
