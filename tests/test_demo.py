import warnings

from tweetlab.app import demo
from tweetlab.data.tweets import DataWarning


def test_fallback_to_sample_is_loud(monkeypatch, tmp_path):
    monkeypatch.delenv("TWEETLAB_DATA", raising=False)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        data, source = demo.load_demo_data("tweet_eval/emotion", data_dir=tmp_path)
    assert source == "SYNTHETIC sample" and len(data["train"]) == 240
    msg = str(next(x.message for x in w if issubclass(x.category, DataWarning)))
    assert "SYNTHETIC" in msg and "Tried" in msg


def test_main_prints_results_table(monkeypatch, tmp_path, capsys):
    monkeypatch.delenv("TWEETLAB_DATA", raising=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert demo.demo_main(["--quick", "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    for word in ["Class balance", "Results", "dataset", "split", "metric", "fit s", "SYNTHETIC sample", "macro-averaged F1"]:
        assert word in out, word


def test_demo_on_real_data(real_data, monkeypatch):
    results, balance = demo.run_demo("tweet_eval/emotion", quick=True)
    assert list(results["split"]) == ["validation", "test"] and (results["source"] == "real").all()
    assert (results["score"] > 0.35).all()           # 4 classes: chance macro-F1 is about 0.25
    assert balance.loc["anger", "train"] == 1400 and balance["train"].sum() == 3257
