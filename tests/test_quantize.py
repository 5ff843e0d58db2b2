"Tests for tweetlab.compress.quantize on a tiny random BERT classifier (4 layers, hidden size 32): fast, no training data needed."
import numpy as np
import pytest
import torch

from tweetlab.compress.measure import count_params, serialized_size
from tweetlab.compress.sensitivity import activation_ranges, quant_sensitivity
from tweetlab.compress.quantize import Int8Embedding, quantize, to_half
from tiny_classifier import TEXTS, tiny_batch


def test_quantize_keeps_shape_and_close_logits(tiny, tokenizer):
    b = tiny_batch(tokenizer)
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
    assert np.allclose(m(**tiny_batch(tokenizer)).logits.detach(), tiny(**tiny_batch(tokenizer)).logits.detach(), atol=1e-4)
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
