"""tweetlab.features.encoders: bad input, offline loading, pooling properties, input order, cache round trip and corruption."""

import json
import socket
import warnings

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings, strategies as st

from tweetlab.core.cache import CacheWarning
from tweetlab.features.pooling import POOLINGS, pool_hidden
from tweetlab.features.encoders import (Encoder, cache_path, embed, load_encoder, plot_umap,
                               umap_2d)

TWEETS = ["@user I am sooo happy today!! #blessed", "worst. service. ever. never again #angry",
          "missing you", "tomorrow will be better, keep going", "ok", "can't believe the refs tonight 😡😡",
          "lol that was hilarious 😂", "feeling lonely and tired of everything"]


@pytest.fixture(autouse=True)
def _tmp_cache(tmp_path, monkeypatch):
    "Every test writes its embedding cache to its own temporary folder."
    monkeypatch.setenv("TWEETLAB_CACHE", str(tmp_path / "cache"))


@pytest.fixture(scope="module")
def enc() -> Encoder:
    return load_encoder()


# ---- loading
def test_default_encoder_loads_without_network(monkeypatch):
    "The default (local) encoder never opens a socket, even with HF_HUB_OFFLINE unset."
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    attempts = []
    def no_net(self, *a, **k):
        attempts.append(a); raise OSError("network disabled in this test")
    monkeypatch.setattr(socket.socket, "connect", no_net)
    e = load_encoder()
    assert not attempts, f"load_encoder tried to connect: {attempts}"
    assert e.n_layers == 6 and e.dim == 384 and e.tokenizer.is_fast


def test_unknown_hub_name_offline_is_a_clear_error():
    with pytest.raises(OSError, match="HF_HUB_OFFLINE"):
        load_encoder("no-such-org/no-such-model-xyz")


@pytest.mark.parametrize("name", ["/no/such/folder", "./missing-model-dir", ""])
def test_missing_folder_is_a_clear_error(name):
    with pytest.raises((FileNotFoundError, ValueError)):
        load_encoder(name)


def test_trust_remote_code_off_by_default():
    import inspect
    assert inspect.signature(load_encoder).parameters["trust_remote_code"].default is False


def test_fingerprint_tracks_weights(enc):
    fp = enc.fingerprint()
    w = enc.model.embeddings.word_embeddings.weight
    old = w[5, 0].item()
    with torch.no_grad(): w[5, 0] += 0.5
    try: assert enc.fingerprint() != fp
    finally:
        with torch.no_grad(): w[5, 0] = old
    assert enc.fingerprint() == fp


# ---- bad input
@pytest.mark.parametrize("bad,err,msg", [([], ValueError, "empty"), (None, TypeError, "None"),
                                         ("a tweet", TypeError, "wrap it in a list"),
                                         (["ok", None, 3], TypeError, "2 of 3"), (["ok", ""], ValueError, "1 of 2"),
                                         (["ok", "   "], ValueError, "on_empty='keep'")])
def test_bad_texts(enc, bad, err, msg):
    with pytest.raises(err, match=msg):
        embed(bad, enc, cache=False, progress=False)


def test_empty_strings_kept_with_a_count(enc):
    with pytest.warns(UserWarning, match="2 of 3 texts are empty"):
        X = embed(["", "fine", " "], enc, cache=False, progress=False, on_empty="keep")
    assert X.shape == (3, enc.dim) and np.isfinite(X).all()


@pytest.mark.parametrize("kw", [dict(pooling="sum"), dict(pooling=[]), dict(pooling=["mean", "mean"]), dict(layers=7),
                                dict(layers=-8), dict(layers=[]), dict(layers="last"), dict(layer_agg="max"),
                                dict(max_length=1), dict(max_tokens=0), dict(max_tokens=2.5)])
def test_bad_options(enc, kw):
    with pytest.raises(ValueError):
        embed(TWEETS, enc, cache=False, progress=False, **kw)


def test_encoder_must_be_an_encoder():
    with pytest.raises(TypeError, match="load_encoder"):
        embed(TWEETS, "all-MiniLM-L6-v2", cache=False)


# ---- shapes, order and pooling properties
@pytest.mark.parametrize("pooling", POOLINGS)
def test_shapes_and_dtype(enc, pooling):
    for layers, agg, width in [(-1, "concat", 1), ([-1, -2], "concat", 2), ([-1, -2], "mean", 1), ("all", "concat", 7)]:
        X = embed(TWEETS, enc, pooling=pooling, layers=layers, layer_agg=agg, cache=False, progress=False)
        assert X.dtype == np.float32 and X.shape == (len(TWEETS), width * enc.dim) and np.isfinite(X).all()


def test_layer_major_layout_and_aliases(enc):
    a = embed(TWEETS, enc, pooling=("mean", "max"), layers=[-1, 3], cache=False, progress=False).reshape(len(TWEETS), 2, 2, enc.dim)
    last_mean = embed(TWEETS, enc, pooling="mean", layers=6, cache=False, progress=False)
    l3_max = embed(TWEETS, enc, pooling="max", layers=3, cache=False, progress=False)
    assert np.allclose(a[:, 0, 0], last_mean, atol=1e-5) and np.allclose(a[:, 1, 1], l3_max, atol=1e-5)
    avg = embed(TWEETS, enc, layers=[-1, 3], layer_agg="mean", cache=False, progress=False)
    assert np.allclose(avg, (a[:, 0, 0] + a[:, 1, 0]) / 2, atol=1e-5)


@pytest.mark.parametrize("pooling", POOLINGS)
def test_padding_is_ignored(enc, pooling):
    "A text embedded alone equals the same text embedded in a batch with a much longer text."
    short, long = "ok then", "this is a much longer tweet that forces a lot of padding onto the short one " * 3
    alone = embed([short], enc, pooling=pooling, cache=False, progress=False)
    batched = embed([long, short], enc, pooling=pooling, cache=False, progress=False, max_tokens=10_000)
    assert np.abs(alone[0] - batched[1]).max() < 1e-5


def test_mean_pooling_ignores_padding_directly():
    h = torch.randn(2, 5, 4)
    mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 0, 0, 0]])
    h2 = h.clone(); h2[1, 2:] = 1e6                       # garbage in the padded positions
    for p in ("mean", "max"):
        assert torch.allclose(pool_hidden((h,), mask, p, layers=-1), pool_hidden((h2,), mask, p, layers=-1))
    assert torch.allclose(pool_hidden((h,), mask, "mean")[1], h[1, :2].mean(0))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.permutations(list(range(len(TWEETS)))), st.sampled_from([64, 100, 10_000]))
def test_output_is_in_input_order(enc, perm, max_tokens):
    base = embed(TWEETS, enc, cache=False, progress=False)
    shuffled = embed([TWEETS[i] for i in perm], enc, cache=False, progress=False, max_tokens=max_tokens)
    assert np.allclose(shuffled, base[perm], atol=1e-5)


def test_truncation_to_max_length(enc):
    long = "word " * 400
    X = embed([long], enc, max_length=16, cache=False, progress=False)
    Y = embed([" ".join(["word"] * 14)], enc, max_length=16, cache=False, progress=False)
    assert np.allclose(X, Y, atol=1e-5)  # 14 words + [CLS] [SEP] = 16 tokens: the same sequence


# ---- cache
def test_cache_round_trip(enc):
    X = embed(TWEETS, enc, progress=False)
    p = cache_path(TWEETS, enc)
    assert p.exists() and p.suffix == ".npy" and np.array_equal(np.load(p, allow_pickle=False), X)
    meta = json.loads(p.with_suffix(".json").read_text())
    assert meta["shape"] == [len(TWEETS), enc.dim] and meta["key"]["pooling"] == ["mean"]
    assert not list(p.parent.glob("*.tmp"))              # temp files were renamed into place
    with warnings.catch_warnings():
        warnings.simplefilter("error")                    # a healthy entry raises no CacheWarning
        assert np.array_equal(embed(TWEETS, enc, progress=False), X)


def test_cache_key_covers_options_and_texts(enc):
    base = cache_path(TWEETS, enc)
    others = [cache_path(TWEETS, enc, pooling="cls"), cache_path(TWEETS, enc, layers=[-1, -2]),
              cache_path(TWEETS, enc, layers=[-1, -2], layer_agg="mean"), cache_path(TWEETS, enc, max_length=64),
              cache_path(TWEETS[:-1], enc), cache_path(TWEETS[::-1], enc), cache_path([t + " " for t in TWEETS], enc)]
    assert len({base, *others}) == len(others) + 1
    assert cache_path(TWEETS, enc, layers=-1) == cache_path(TWEETS, enc, layers=6)   # same layer, same entry


def test_cache_key_covers_weights(enc):
    p = cache_path(TWEETS, enc)
    b = enc.model.encoder.layer[0].output.dense.bias
    old = b[0].item()
    with torch.no_grad(): b[0] += 1.0
    try: assert cache_path(TWEETS, enc) != p
    finally:
        with torch.no_grad(): b[0] = old
    assert cache_path(TWEETS, enc) == p


def _count_forwards(enc, monkeypatch):
    calls = []
    orig = enc.model.forward
    monkeypatch.setattr(enc.model, "forward", lambda *a, **k: calls.append(1) or orig(*a, **k))
    return calls


@pytest.mark.parametrize("damage", ["truncate", "flip_bytes", "delete_json", "garbage_json", "wrong_shape", "pickle"])
def test_damaged_cache_is_detected_and_rebuilt(enc, monkeypatch, damage):
    X = embed(TWEETS, enc, progress=False)
    p = cache_path(TWEETS, enc)
    raw = p.read_bytes()
    if damage == "truncate": p.write_bytes(raw[: len(raw) // 2])
    elif damage == "flip_bytes": p.write_bytes(raw[:-40] + bytes(b ^ 0xFF for b in raw[-40:]))
    elif damage == "delete_json": p.with_suffix(".json").unlink()
    elif damage == "garbage_json": p.with_suffix(".json").write_text("{not json")
    elif damage == "wrong_shape": np.save(p, X[:3])
    elif damage == "pickle": np.save(p, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    calls = _count_forwards(enc, monkeypatch)
    with pytest.warns(CacheWarning, match="damaged"):
        Y = embed(TWEETS, enc, progress=False)
    assert calls, "the damaged entry was not recomputed"
    assert np.allclose(X, Y, atol=1e-5)
    calls.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Z = embed(TWEETS, enc, progress=False)            # the rebuilt entry is healthy again
    assert not calls and np.array_equal(Y, Z)


def test_cache_hit_skips_the_model(enc, monkeypatch):
    embed(TWEETS, enc, progress=False)
    calls = _count_forwards(enc, monkeypatch)
    embed(TWEETS, enc, progress=False)
    assert not calls


# ---- UMAP
def test_plot_umap_shapes_and_errors(enc):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 8)).astype(np.float32)
    y = np.repeat([0, 1, 2], 20)
    fig, xy = plot_umap(X, y, ["a", "b", "c"], n_neighbors=10)
    assert xy.shape == (60, 2) and len(fig.axes) == 3 and fig.axes[0].get_title().startswith("a")
    with pytest.raises(ValueError, match="one label per row"): plot_umap(X, y[:-1])
    with pytest.raises(ValueError, match="outside"): plot_umap(X, y + 1, ["a", "b", "c"], coords=xy)
    with pytest.raises(ValueError, match="n_neighbors"): umap_2d(X[:5])
    import matplotlib.pyplot as plt
    plt.close("all")
