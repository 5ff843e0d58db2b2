"Tests for tweetlab.compress on a tiny random BERT classifier (4 layers, hidden size 32): fast, no training data needed."
import math

import numpy as np
import pandas as pd
import pytest
import torch
from datasets import ClassLabel, Dataset, DatasetDict, Features, Value

from tweetlab.compress import (BENCH_COLUMNS, DistillationTrainer, Int8Embedding, benchmark, check_targets, compressed_sizes,
                               count_params, distill, distillation_loss, drop_layers, export_onnx, make_student,
                               activation_ranges, onnx_available, prune_magnitude, quant_sensitivity, quantize, serialized_size, sparsity,
                               spread_layers, to_half)
from tweetlab.finetune import TrainConfig, load_tokenizer

LABELS = ["anger", "joy", "optimism", "sadness"]
TEXTS = ["I am so angry right now!!", "what a lovely day :)", "things will get better, I know it", "miss you so much",
         "@user this is the worst service ever", "best concert of my life #happy", "tomorrow is a new start", "crying again"]


@pytest.fixture(scope="module")
def tokenizer():
    return load_tokenizer()   # the packaged default encoder's tokenizer (offline)


@pytest.fixture(scope="module")
def tiny(tokenizer):
    from transformers import BertConfig, BertForSequenceClassification
    torch.manual_seed(0)
    cfg = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=4, num_attention_heads=4,
                     intermediate_size=64, max_position_embeddings=128, num_labels=4,
                     id2label=dict(enumerate(LABELS)), label2id={n: i for i, n in enumerate(LABELS)})
    return BertForSequenceClassification(cfg).eval()


def _ds(n=8):
    feats = Features({"text": Value("string"), "label": ClassLabel(names=LABELS)})
    return Dataset.from_dict({"text": (TEXTS * 4)[:n], "label": [i % 4 for i in range(n)]}, features=feats)


def _batch(tokenizer):
    enc = tokenizer(TEXTS, padding=True, return_tensors="pt")
    return {"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"]}


# ---- quantization
def test_quantize_keeps_shape_and_close_logits(tiny, tokenizer):
    b = _batch(tokenizer)
    with torch.no_grad(): z = tiny(**b).logits
    for kw in ({}, {"embeddings": False}, {"linear": False}):
        q = quantize(tiny, **kw)
        with torch.no_grad(): zq = q(**b).logits
        assert zq.shape == z.shape
        assert (zq - z).abs().max() < 0.05 + 0.1 * z.abs().max()
    assert isinstance(tiny.bert.embeddings.word_embeddings, torch.nn.Embedding)   # input untouched
    q = quantize(tiny)
    assert isinstance(q.bert.embeddings.word_embeddings, Int8Embedding)
    assert count_params(q) == count_params(tiny)
    assert serialized_size(q)[1] == "torch.save" and serialized_size(quantize(tiny, linear=False))[1] == "safetensors"
    assert serialized_size(quantize(tiny, linear=False))[0] < serialized_size(tiny)[0] / 2


def test_quantize_bad_input(tiny):
    with pytest.raises(ValueError, match="Nothing to quantize"): quantize(tiny, linear=False, embeddings=False)
    with pytest.raises(TypeError): quantize("model")
    with pytest.raises(ValueError, match="float32"): quantize(to_half(tiny))


def test_quantize_keep_float(tiny, tokenizer):
    "Named Linear layers stay float32 with the teacher's weights; every other Linear is int8."
    keep = ["bert.encoder.layer.0.output.dense", "classifier"]
    q = quantize(tiny, keep_float=keep)
    linears = [n for n, m in tiny.named_modules() if isinstance(m, torch.nn.Linear)]
    assert [n for n in linears if type(q.get_submodule(n)) is torch.nn.Linear] == keep
    assert all(isinstance(q.get_submodule(n), torch.ao.nn.quantized.dynamic.Linear) for n in linears if n not in keep)
    assert torch.equal(q.get_submodule(keep[0]).weight, tiny.get_submodule(keep[0]).weight)
    assert serialized_size(quantize(tiny))[0] < serialized_size(q)[0] < serialized_size(tiny)[0]
    assert torch.equal(quantize(tiny, keep_float=keep[0]).get_submodule(keep[0]).weight, tiny.get_submodule(keep[0]).weight)  # one name


def test_quantize_keep_float_bad_names(tiny):
    with pytest.raises(ValueError, match="not Linear layers.*quant_sensitivity"): quantize(tiny, keep_float=["bert.encoder.layer.9.output.dense"])
    with pytest.raises(ValueError, match="not Linear layers"): quantize(tiny, keep_float=["bert.embeddings"])
    with pytest.raises(ValueError, match="linear=True"): quantize(tiny, linear=False, keep_float=["classifier"])


def test_quant_sensitivity_ranks_layers(tiny, tokenizer):
    "One row per Linear layer, most sensitive first; a layer scaled to carry large outliers ranks first."
    import copy
    df = quant_sensitivity(tiny, tokenizer, TEXTS, progress=False)
    linears = [n for n, m in tiny.named_modules() if isinstance(m, torch.nn.Linear)]
    assert sorted(df["layer"]) == sorted(linears) and list(df.columns) == ["layer", "logit_mse", "changed"]
    assert df["logit_mse"].is_monotonic_decreasing and (df["logit_mse"] >= 0).all() and df["changed"].between(0, 1).all()
    m, target = copy.deepcopy(tiny), "bert.encoder.layer.1.attention.output.dense"
    att = m.bert.encoder.layer[1].attention
    with torch.no_grad():        # same function, but one input channel of `target` now carries 1000x larger activations
        att.self.value.weight[0] *= 1e3; att.self.value.bias[0] *= 1e3; att.output.dense.weight[:, 0] /= 1e3
    assert np.allclose(m(**_batch(tokenizer)).logits.detach(), tiny(**_batch(tokenizer)).logits.detach(), atol=1e-4)
    df2 = quant_sensitivity(m, tokenizer, TEXTS, progress=False)
    mse, mse2 = (d.set_index("layer").loc[target, "logit_mse"] for d in (df, df2))
    enc2 = df2[df2["layer"].str.startswith("bert.encoder")]
    assert mse2 > 100 * mse and enc2.iloc[0]["layer"] == target      # the outlier layer is now the encoder's most sensitive
    assert df[df["layer"].str.startswith("bert.encoder")].iloc[0]["layer"] != target
    r, r2 = (activation_ranges(x, tokenizer, TEXTS).set_index("layer") for x in (tiny, m))
    assert list(r.columns) == ["max_abs", "p99_abs", "outlier_ratio"] and len(r) == len(df) and (r["max_abs"] >= r["p99_abs"]).all()
    assert r2.loc[target, "max_abs"] > 100 * r.loc[target, "max_abs"]          # the injected outlier channel is seen
    assert np.allclose(r2.drop(index=target)["max_abs"], r.drop(index=target)["max_abs"], rtol=1e-3)   # other inputs unchanged
    assert not any(mod._forward_hooks for mod in m.modules())
    with pytest.raises(ValueError, match="empty"): activation_ranges(tiny, tokenizer, [])
    with pytest.raises(ValueError, match="empty"): quant_sensitivity(tiny, tokenizer, [])
    half = to_half(tiny)                                     # a bf16 model is scanned as a float32 copy and left as it is
    assert len(quant_sensitivity(half, tokenizer, TEXTS[:2], progress=False)) == len(linears) and next(half.parameters()).dtype == torch.bfloat16


def test_int8_embedding_close_to_float():
    torch.manual_seed(1)
    emb = torch.nn.Embedding(100, 16, padding_idx=0)
    q = Int8Embedding.from_float(emb)
    ids = torch.randint(0, 100, (3, 7))
    step = emb.weight.abs().amax(1) / 127
    assert q(ids).shape == (3, 7, 16) and q.weight_int8.dtype == torch.int8
    assert ((q(ids) - emb(ids)).abs() <= step[ids].unsqueeze(-1) / 2 + 1e-6).all()
    assert torch.allclose(q.dequantize()[ids], q(ids))
    with pytest.raises(TypeError): Int8Embedding.from_float(torch.nn.Linear(2, 2))


def test_to_half(tiny):
    h = to_half(tiny)
    assert next(h.parameters()).dtype == torch.bfloat16 and next(tiny.parameters()).dtype == torch.float32
    assert serialized_size(h)[0] < 0.6 * serialized_size(tiny)[0]
    with pytest.raises(ValueError, match="dtype"): to_half(tiny, torch.int8)


# ---- pruning
@pytest.mark.parametrize("amount", [0.0, 0.3, 0.7])
def test_prune_reaches_sparsity(tiny, amount):
    p = prune_magnitude(tiny, amount)
    assert abs(sparsity(p) - amount) < 0.01
    assert sparsity(tiny) < 0.01                        # input untouched
    assert not any(n.endswith("_orig") for n, _ in p.named_parameters())   # permanent, no masks left
    assert torch.equal(p.classifier.weight, tiny.classifier.weight)
    sizes = compressed_sizes(p)
    assert set(sizes) == {"dense", "gzip", "sparse CSR"} and abs(sizes["dense"] - serialized_size(tiny)[0]) < 0.01


def test_prune_bad_amount(tiny):
    for bad in (-0.1, 1.0, 2):
        with pytest.raises(ValueError, match="amount"): prune_magnitude(tiny, bad)


# ---- structured pruning and students
def test_make_student_layers_and_weights(tiny, tokenizer):
    assert spread_layers(6, 3) == [0, 2, 4] and spread_layers(4, 2) == [0, 2] and spread_layers(4, 1) == [0]
    s = make_student(tiny, 2)
    assert s.config.num_hidden_layers == 2 and tiny.config.num_hidden_layers == 4 and len(tiny.bert.encoder.layer) == 4
    for j, i in enumerate([0, 2]):
        for (n, a), (_, b) in zip(s.bert.encoder.layer[j].state_dict().items(), tiny.bert.encoder.layer[i].state_dict().items()):
            assert torch.equal(a, b), n
    for n in ("bert.embeddings.word_embeddings.weight", "classifier.weight", "bert.pooler.dense.weight"):
        assert torch.equal(s.state_dict()[n], tiny.state_dict()[n])
    assert s.bert.encoder.layer[0] is not tiny.bert.encoder.layer[0]             # a copy, not shared
    with torch.no_grad(): assert s(**_batch(tokenizer)).logits.shape == (len(TEXTS), 4)
    s2 = make_student(tiny, 2, layers=[1, 3])
    assert torch.equal(s2.bert.encoder.layer[1].output.dense.weight, tiny.bert.encoder.layer[3].output.dense.weight)


def test_make_student_bad_input(tiny):
    with pytest.raises(ValueError, match="larger than the teacher"): make_student(tiny, 5)
    with pytest.raises(ValueError, match="positive"): make_student(tiny, 0)
    with pytest.raises(ValueError, match="out of range"): drop_layers(tiny, [0, 4])
    with pytest.raises(ValueError, match="repeats"): drop_layers(tiny, [1, 1])
    with pytest.raises(ValueError, match="n_layers"): make_student(tiny, 2, layers=[0])
    with pytest.raises(TypeError, match="encoder.layer"): make_student(torch.nn.Linear(2, 2), 1)


# ---- distillation
def test_distillation_loss_formula():
    zs = torch.tensor([[2.0, 0.5, -1.0, 0.0], [0.0, 1.0, 0.0, 3.0]])
    zt = torch.tensor([[1.0, 1.0, -2.0, 0.5], [0.5, 2.0, 0.0, 1.0]])
    y = torch.tensor([0, 3])
    ce = torch.nn.functional.cross_entropy(zs, y)
    assert torch.isclose(distillation_loss(zs, zt, y, alpha=1.0, temperature=5.0), ce)
    for T in (1.0, 2.0, 4.0):
        ps, pt = torch.softmax(zs / T, -1), torch.softmax(zt / T, -1)
        kl = (pt * (pt / ps).log()).sum(1).mean()
        assert torch.isclose(distillation_loss(zs, zt, y, alpha=0.0, temperature=T), T ** 2 * kl, rtol=1e-5)
        assert torch.isclose(distillation_loss(zs, zt, y, alpha=0.3, temperature=T), 0.3 * ce + 0.7 * T ** 2 * kl, rtol=1e-5)
    assert distillation_loss(zt, zt, y, alpha=0.0) < 1e-6


def test_distillation_loss_unlabelled_rows():
    "Rows labelled -100 count in the teacher's term only; a batch with no labels is the soft loss alone."
    zs = torch.tensor([[2.0, 0.5, -1.0, 0.0], [0.0, 1.0, 0.0, 3.0], [1.0, 0.0, 0.0, 0.0]])
    zt = torch.tensor([[1.0, 1.0, -2.0, 0.5], [0.5, 2.0, 0.0, 1.0], [0.0, 0.0, 2.0, 0.0]])
    y = torch.tensor([0, -100, 3])
    ce = torch.nn.functional.cross_entropy(zs[[0, 2]], y[[0, 2]])
    soft = distillation_loss(zs, zt, y, alpha=0.0, temperature=2.0)
    assert torch.isclose(distillation_loss(zs, zt, y, alpha=1.0), ce)
    assert torch.isclose(distillation_loss(zs, zt, y, alpha=0.4, temperature=2.0), 0.4 * ce + 0.6 * soft, rtol=1e-5)
    none = torch.full((3,), -100)
    assert torch.isclose(distillation_loss(zs, zt, none, alpha=0.4, temperature=2.0), 0.6 * soft, rtol=1e-5)
    z = zs.clone().requires_grad_(True)
    distillation_loss(z, zt, none, alpha=1.0).backward()          # no labels and alpha=1: zero loss, a zero gradient, no NaN
    assert torch.equal(z.grad, torch.zeros_like(z))


def test_distillation_loss_bad_input():
    z, y = torch.zeros(2, 3), torch.tensor([0, 1])
    for a in (-0.1, 1.5):
        with pytest.raises(ValueError, match=r"alpha.*\[0, 1\]"): distillation_loss(z, z, y, alpha=a)
    with pytest.raises(ValueError, match="temperature"): distillation_loss(z, z, y, temperature=0)
    with pytest.raises(ValueError, match="shape"): distillation_loss(z, torch.zeros(2, 4), y)
    with pytest.raises(ValueError, match="alpha"): DistillationTrainer(model=None, alpha=2.0)


def test_distillation_trainer_loss_matches(tiny, tokenizer):
    "compute_loss with precomputed teacher logits equals distillation_loss; without them it runs the teacher."
    from transformers import TrainingArguments
    import tempfile
    student = make_student(tiny, 2)
    b = _batch(tokenizer)
    with torch.no_grad(): zt = tiny(**b).logits
    y = torch.arange(len(TEXTS)) % 4
    with tempfile.TemporaryDirectory() as tmp:
        args = TrainingArguments(output_dir=tmp, report_to="none", use_cpu=True)
        tr = DistillationTrainer(model=student, args=args, teacher=tiny, alpha=0.25, temperature=3.0)
        with torch.no_grad():
            l1 = tr.compute_loss(student, {**b, "labels": y, "teacher_logits": zt})
            l2 = tr.compute_loss(student, {**b, "labels": y})
            expected = distillation_loss(student(**b).logits, zt, y, 0.25, 3.0)
    assert torch.isclose(l1, expected, rtol=1e-5) and torch.isclose(l2, expected, rtol=1e-5)


def test_distill_runs_a_few_steps(tiny, tokenizer):
    data = DatasetDict(train=_ds(16), validation=_ds(8))
    res = distill(tiny, tokenizer, data, n_layers=2, config=TrainConfig(epochs=1, max_steps=2, batch_size=8), progress=False)
    assert res.model.config.num_hidden_layers == 2 and res.info["steps"] == 2 and 0 <= res.best_score <= 1
    assert torch.equal(res.model.bert.embeddings.word_embeddings.weight, tiny.bert.embeddings.word_embeddings.weight)  # frozen
    assert not torch.equal(res.model.bert.encoder.layer[0].output.dense.weight, tiny.bert.encoder.layer[0].output.dense.weight)
    with pytest.raises(ValueError, match="alpha"): distill(tiny, tokenizer, data, alpha=1.5)


def test_distill_with_transfer_set(tiny, tokenizer):
    "Unlabelled transfer tweets join the training set; duplicates and tweets of train/validation are left out and counted."
    data = DatasetDict(train=_ds(8), validation=_ds(4))
    extra = ["a brand new tweet", "another unseen one", "a brand new tweet", TEXTS[0]]
    res = distill(tiny, tokenizer, data, n_layers=2, config=TrainConfig(epochs=1, max_steps=2, batch_size=4), transfer=extra,
                  progress=False)
    assert res.info["n_transfer"] == 2 and res.info["n_transfer_dropped"] == 2 and res.info["n_train"] == 8 + 2
    with pytest.raises(TypeError, match="list of tweet texts"): distill(tiny, tokenizer, data, transfer="tweet_eval/sentiment")
    with pytest.raises(ValueError, match="no tweets that are not already"): distill(tiny, tokenizer, data, transfer=TEXTS[:2])


# ---- benchmark
def test_benchmark_columns(tiny, tokenizer):
    ds = _ds(12)
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
    df = benchmark(tiny, _ds(4), tokenizer, n_runs=2, n_batch_runs=1, batch_size=2, warmup=1, progress=False)
    assert list(df["model"]) == ["model"]
    with pytest.raises(ValueError, match="empty"): benchmark({}, _ds(4), tokenizer)
    with pytest.raises(ValueError, match="baseline"): benchmark({"a": tiny}, _ds(4), tokenizer, baseline="b")
    with pytest.raises(TypeError, match="Dataset"): benchmark(tiny, ["text"], tokenizer)
    with pytest.raises(ValueError, match="n_runs"): benchmark(tiny, _ds(4), tokenizer, n_runs=0)
    with pytest.raises(ValueError, match="block"): benchmark(tiny, _ds(4), tokenizer, block=0)


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
    benchmark({"A": _Logged(tiny, "A", log), "B": _Logged(tiny, "B", log)}, _ds(4), tokenizer, n_runs=6, n_batch_runs=1,
              batch_size=2, warmup=1, block=block, progress=False)
    assert "".join(log[4:16]) == expected            # after 1 warm-up call and 1 batch warm-up call per variant
    assert log.count("A") == log.count("B") == 1 + 1 + 6 + 1 + 1     # warm-up, batch warm-up, latency, throughput, accuracy


@pytest.mark.skipif(not onnx_available(), reason="the optional onnx/onnxruntime packages are not installed")
def test_onnx_export_matches(tiny, tokenizer, tmp_path):
    b = _batch(tokenizer)
    with torch.no_grad(): z = tiny(**b).logits
    o = export_onnx(tiny, tmp_path / "m.onnx")
    assert torch.allclose(o(**b), z, atol=1e-4)
    oq = export_onnx(tiny, tmp_path / "mq.onnx", quantize_int8=True)
    assert oq(**b).shape == z.shape and oq.size_mb() < o.size_mb()
    assert serialized_size(o)[1] == "onnx" and count_params(o) > 0
    with pytest.raises(ValueError, match="float model"): export_onnx(quantize(tiny), tmp_path / "x.onnx")


def test_plot_tradeoff_min_f1():
    "Variants below min_f1 are left out of the scatter and listed under it; every shown point is numbered."
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from tweetlab.compress import plot_tradeoff
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


def test_transfer_texts_leave_out_known_tweets(real_data):
    "The transfer set is every split of the other dataset, minus tweets found in any split of the teacher's data."
    from tweetlab.compress import _transfer_texts
    from tweetlab.data import load_tweets
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        senti = load_tweets("tweet_eval/sentiment", data_dir=real_data)
    all_texts = [t for s in senti for t in senti[s]["text"]]
    known = all_texts[:3]
    data = DatasetDict(train=Dataset.from_dict({"text": known[:2] + ["not a sentiment tweet"], "label": [0, 1, 2]}),
                       test=Dataset.from_dict({"text": known[2:], "label": [0]}))
    out = _transfer_texts("tweet_eval/sentiment", data, data_dir=real_data)
    assert len(out) == len(all_texts) - 3 and not set(known) & set(out) and out[0] == all_texts[3]
