"Tests for tweetlab.compress.measure on a tiny random BERT classifier (4 layers, hidden size 32): fast, no training data needed."
import pandas as pd
import pytest
import torch

from tweetlab.compress.measure import BENCH_COLUMNS, benchmark, check_targets
from tweetlab.compress.distill import make_student
from tweetlab.compress.quantize import quantize
from tiny_classifier import tiny_dataset


def test_benchmark_columns(tiny, tokenizer):
    ds = tiny_dataset(12)
    df = benchmark({"fp32": tiny, "int8": quantize(tiny), "2 layers": make_student(tiny, 2)}, ds, tokenizer,
                   n_runs=6, n_batch_runs=2, batch_size=4, warmup=2, progress=False)
    assert list(df.columns) == BENCH_COLUMNS and list(df["model"]) == ["fp32", "int8", "2 layers"]
    r = df.set_index("model")
    assert r.loc["fp32", "speedup"] == 1 and r.loc["fp32", "size_ratio"] == 1 and r.loc["fp32", "delta_macro_f1"] == 0
    assert (df["latency_ms_p50"] > 0).all() and (df["latency_ms_p95"] >= df["latency_ms_p50"]).all()
    assert (df["throughput_per_s"] > 0).all() and df["accuracy"].between(0, 1).all() and df["macro_f1"].between(0, 1).all()
    assert r.loc["int8", "size_ratio"] > 2 and r.loc["2 layers", "params"] < r.loc["fp32", "params"]
    assert df.attrs["threads"] == 1 and df.attrs["n_test"] == 12
    assert torch.get_num_threads() >= 1
    t = check_targets(df, teacher="fp32", int8="int8", student="2 layers", student_int8="int8")
    assert list(t.columns) == ["variant", "target", "measured", "met"] and t["met"].dtype == bool


def test_benchmark_single_model_and_bad_input(tiny, tokenizer):
    df = benchmark(tiny, tiny_dataset(4), tokenizer, n_runs=2, n_batch_runs=1, batch_size=2, warmup=1, progress=False)
    assert list(df["model"]) == ["model"]
    with pytest.raises(ValueError, match="empty"): benchmark({}, tiny_dataset(4), tokenizer)
    with pytest.raises(ValueError, match="baseline"): benchmark({"a": tiny}, tiny_dataset(4), tokenizer, baseline="b")
    with pytest.raises(TypeError, match="Dataset"): benchmark(tiny, ["text"], tokenizer)
    with pytest.raises(ValueError, match="n_runs"): benchmark(tiny, tiny_dataset(4), tokenizer, n_runs=0)
    with pytest.raises(ValueError, match="block"): benchmark(tiny, tiny_dataset(4), tokenizer, block=0)


class _Logged(torch.nn.Module):
    "A classifier that records its name in a shared log each time it is called."
    def __init__(self, model, name, log):
        super().__init__()
        self.model, self.name, self.log, self.config = model, name, log, model.config

    def forward(self, **kw):
        self.log.append(self.name)
        return self.model(**kw)


@pytest.mark.parametrize("block,expected", [(1, "ABBAABBAABBA"), (4, "AAAABBBBBBAA"), (6, "AAAAAABBBBBB"), (10, "AAAAAABBBBBB")])
def test_benchmark_latency_blocks(tiny, tokenizer, block, expected):
    "At batch size 1 each variant runs `block` consecutive tweets in turn, rotating who goes first; n_runs calls each."
    log = []
    benchmark({"A": _Logged(tiny, "A", log), "B": _Logged(tiny, "B", log)}, tiny_dataset(4), tokenizer, n_runs=6, n_batch_runs=1,
              batch_size=2, warmup=1, block=block, progress=False)
    assert "".join(log[4:16]) == expected            # after 1 warm-up call and 1 batch warm-up call per variant
    assert log.count("A") == log.count("B") == 1 + 1 + 6 + 1 + 1     # warm-up, batch warm-up, latency, throughput, accuracy


def test_plot_tradeoff_min_f1():
    "Variants below min_f1 are left out of the scatter and listed under it; every shown point is numbered."
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from tweetlab.compress.measure import plot_tradeoff
    df = pd.DataFrame({"model": ["teacher", "int8", "broken"], "latency_ms_p50": [10.0, 4.0, 5.0],
                       "macro_f1": [0.78, 0.77, 0.12], "size_mb": [90.0, 24.0, 70.0]})
    ax = plot_tradeoff(df, min_f1=0.7)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["1. teacher", "2. int8"]
    texts = [t.get_text() for t in ax.texts]
    assert {"1", "2"} <= set(texts) and any("broken (0.12)" in t for t in texts)
    assert len(plot_tradeoff(df).get_legend().get_texts()) == 3 and not any("not shown" in t.get_text() for t in plt.gca().texts)
    with pytest.raises(ValueError, match="min_f1"): plot_tradeoff(df, min_f1=0.9)
    with pytest.raises(ValueError, match="columns"): plot_tradeoff(df.drop(columns="size_mb"))
    plt.close("all")
