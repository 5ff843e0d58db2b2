"The tweetlab command: each sub-command, every input format, streaming, exit codes and each bad input."
import json
import subprocess
import sys

import pandas as pd
import pytest

from tweetlab.app.cli import main
from tweetlab.data.tweets import make_sample


def run(capsys, *argv) -> tuple:
    "(exit code, stdout, stderr) of `tweetlab *argv`, in this process."
    try: code = main([str(a) for a in argv])
    except SystemExit as e: code = e.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    s = make_sample(n_train=120, n_validation=40, n_test=40)
    for split in ("train", "validation", "test"):
        pd.DataFrame({"text": s[split]["text"], "label": s[split].features["label"].int2str(s[split]["label"])}).to_csv(d / f"{split}.csv", index=False)
    tweets = pd.DataFrame({"id": range(7), "text": ["so happy", "", "😡😡", "x" * 20000, "a, with comma", "line\\nbreak", "sad"]})
    tweets.to_csv(d / "in.csv", index=False)
    tweets.to_csv(d / "in.tsv", index=False, sep="\t")
    tweets.to_json(d / "in.jsonl", orient="records", lines=True)
    tweets.to_parquet(d / "in.parquet")
    (d / "in.txt").write_text("\n".join(tweets["text"]) + "\n")
    return d


@pytest.fixture(scope="module")
def model(files, tiny_encoder):
    code = main(["train", str(files / "train.csv"), "--out", str(files / "model"), "--validation", str(files / "validation.csv"),
                 "--encoder", tiny_encoder, "--quick", "--batch-size", "16"])
    assert code == 0
    return files / "model"


def test_train_writes_a_model_folder_and_a_table(model, files, tiny_encoder, capsys):
    assert {"README.md", "metrics.json", "model.safetensors", "confusion_matrix.png"} <= {p.name for p in model.iterdir()}
    assert json.loads((model / "tweetlab-model.json").read_text())["config"]["batch_size"] == 16
    code, out, err = run(capsys, "train", files / "train.csv", "--out", files / "m2", "--encoder", tiny_encoder, "--quick",
                         "--epochs", "1", "--lr", "0.001", "--seed", "7", "--method", "finetune")
    assert code == 0 and "validation" in out and "macro-F1" in out and "Saved to" in out
    assert "stratified 10%" in err                                            # no --validation: it says what it did
    rec = json.loads((files / "m2" / "tweetlab-model.json").read_text())
    assert (rec["config"]["lr"], rec["config"]["seed"]) == (0.001, 7)


def test_train_refuses_existing_out_and_bad_data(model, files, tiny_encoder, capsys):
    code, _, err = run(capsys, "train", files / "train.csv", "--out", model, "--encoder", tiny_encoder, "--quick")
    assert code == 2 and "already exists" in err and "--overwrite" in err
    pd.DataFrame({"text": ["a", "b", "c"], "label": ["x", "x", "x"]}).to_csv(files / "one.csv", index=False)
    code, _, err = run(capsys, "train", files / "one.csv", "--out", files / "m3", "--quick")
    assert code == 2 and "single class" in err
    code, _, err = run(capsys, "train", files / "train.csv", "--out", files / "m3", "--label-col", "emotion", "--quick")
    assert code == 2 and "no column 'emotion'" in err and "'text', 'label'" in err
    code, _, err = run(capsys, "train", files / "nope.csv", "--out", files / "m3")
    assert code == 2 and "nope.csv: no such file or folder" in err
    assert not (files / "m3").exists()


@pytest.mark.parametrize("fmt", ["csv", "tsv", "jsonl", "parquet", "txt"])
def test_predict_every_format_keeps_every_row_in_order(model, files, fmt, capsys):
    out = files / f"out-{fmt}.jsonl"
    code, _, err = run(capsys, "predict", model, files / f"in.{fmt}", "--out", out)
    assert code == 0, err
    got = pd.read_json(out, lines=True, dtype=False)
    assert len(got) == 7 and got["text"].fillna("").tolist()[-1] == "sad"
    if fmt != "txt": assert got["id"].astype(int).tolist() == list(range(7))
    labels = json.loads((model / "tweetlab-model.json").read_text())["labels"]
    assert set(got["predicted_label"]) <= set(labels) and [c for c in got.columns if c.startswith("prob_")] == [f"prob_{c}" for c in labels]
    assert "1 of 7 rows have an empty or missing text (rows 2" in err


def test_predict_streams_in_chunks_with_the_same_result(model, files, capsys):
    for size, name in ((2, "small.csv"), (4096, "big.csv")):
        assert run(capsys, "predict", model, files / "in.csv", "--out", files / name, "--chunk-size", size)[0] == 0
    assert pd.read_csv(files / "small.csv").equals(pd.read_csv(files / "big.csv"))
    assert run(capsys, "predict", model, files / "in.csv", "--out", files / "int8.csv", "--int8")[0] == 0
    assert len(pd.read_csv(files / "int8.csv")) == 7
    assert run(capsys, "predict", model, files / "in.csv", "--out", files / "torch.csv", "--engine", "torch")[0] == 0
    onnx, torch_ = pd.read_csv(files / "big.csv"), pd.read_csv(files / "torch.csv")     # the default engine is ONNX Runtime
    assert onnx["predicted_label"].equals(torch_["predicted_label"])
    assert (onnx.filter(like="prob_") - torch_.filter(like="prob_")).abs().max().max() < 1e-4


def test_predict_stdin_to_stdout(model, monkeypatch, capsys):
    import io
    monkeypatch.setattr(sys, "stdin", io.StringIO("hello\n\nworld\n"))
    code, out, _ = run(capsys, "predict", model, "-")
    rows = out.strip().split("\n")
    assert code == 0 and rows[0].startswith("text,predicted_label,prob_") and len(rows) == 4


def test_predict_bad_input(model, files, capsys):
    (files / "empty.csv").write_text("")
    (files / "broken.csv").write_text('text\nfine\n"open quote, never closed\nmore\n')
    (files / "header.csv").write_text("text\n")
    cases = [((files / "missing.csv",), "does not exist"), ((files / "empty.csv",), "is empty"),
             ((files / "broken.csv",), "line 3 of the file"), ((files / "header.csv",), "no rows"),
             ((files / "in.csv", "--text-col", "tweet"), "the columns found are ['id', 'text']"),
             ((files / "in.csv", "--out", files / "in.csv"), "already exists; pass --overwrite"),
             ((files / "in.csv", "--out", files / "x.xlsx"), "cannot write .xlsx"),
             ((files / "in.csv", "--batch-size", "0"), "positive integer")]
    for args, msg in cases:
        code, _, err = run(capsys, "predict", model, *args)
        assert code == 2 and msg in err, (args, err)
    code, _, err = run(capsys, "predict", files, files / "in.csv")
    assert code == 2 and "not a tweetlab model folder" in err
    assert run(capsys, "predict", model, files / "in.csv", "--out", files / "in.csv", "--overwrite")[0] == 0


def test_evaluate_and_info(model, files, capsys):
    code, out, _ = run(capsys, "evaluate", model, files / "test.csv")
    assert code == 0 and "macro-averaged F1" in out and "support" in out
    code, out, _ = run(capsys, "evaluate", model, files / "test.csv", "--dataset", "tweet_eval/sentiment")
    assert "macro-averaged recall (the official metric of tweet_eval/sentiment)" in out
    pd.DataFrame({"text": ["a"], "label": ["surprise"]}).to_csv(files / "unseen.csv", index=False)
    code, _, err = run(capsys, "evaluate", model, files / "unseen.csv")
    assert code == 2 and "surprise" in err and "was trained on the classes" in err
    code, out, _ = run(capsys, "info", model)
    assert code == 0 and "## Scores" in out
    assert run(capsys, "info", files)[0] == 2


def test_usage_errors_exit_2(capsys):
    assert run(capsys)[0] == 2
    assert run(capsys, "predict")[0] == 2
    assert run(capsys, "fly")[0] == 2


def test_console_script_is_installed(model, files):
    r = subprocess.run(["tweetlab", "predict", str(model), str(files / "in.txt")], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and len(r.stdout.strip().split("\n")) == 8, r.stderr
    r = subprocess.run(["tweetlab", "info", str(files)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 2 and "tweetlab info: error:" in r.stderr


def test_a_library_bug_is_a_traceback_not_exit_2(model, tmp_path, monkeypatch):
    "Only bad input (InputError) and file errors end with exit code 2; any other error is a bug and keeps its traceback."
    import tweetlab.app.classifier as classifier
    def broken(*args, **kwargs): raise TypeError("a bug inside tweetlab")
    monkeypatch.setattr(classifier.TweetClassifier, "predict_proba", broken)
    (tmp_path / "in.csv").write_text("text\nso happy\n")
    with pytest.raises(TypeError, match="a bug inside tweetlab"):
        main(["predict", str(model), str(tmp_path / "in.csv"), "--engine", "torch", "--out", str(tmp_path / "out.csv")])


def test_debug_shows_the_traceback_of_bad_input(model, files, capsys):
    from tweetlab.core.checks import InputError
    code, _, err = run(capsys, "predict", model, files / "missing.csv")
    assert code == 2 and "missing.csv" in err and "Traceback" not in err
    with pytest.raises(InputError, match="missing.csv"):
        main(["predict", str(model), str(files / "missing.csv"), "--debug"])
