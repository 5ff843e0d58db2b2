"Tests for the library layer (tweetlab.api) and the no-hidden-state rules: the cache, input checks, inference, random states."
import json
import random
import warnings

import numpy as np
import pandas as pd
import pytest
import torch

from tweetlab.core.cache import CacheWarning, atomic_folder, cached, key_digest, read_entry, write_entry
from tweetlab.core.checks import check_texts, check_xy
from tweetlab.data.tweets import class_names
from tweetlab.train.inference import batch_logits
from tweetlab.core.hub import load_tokenizer


def _tiny_bert(folder, seed: int):
    "A folder holding a random 2-layer BERT (hidden 32) and the default encoder's tokenizer."
    from transformers import BertConfig, BertModel
    tok = load_tokenizer()
    torch.manual_seed(seed)
    BertModel(BertConfig(vocab_size=tok.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                         intermediate_size=64, max_position_embeddings=128)).save_pretrained(folder)
    tok.save_pretrained(folder)
    return str(folder)


@pytest.fixture(scope="module")
def two_encoders(tmp_path_factory):
    return [_tiny_bert(tmp_path_factory.mktemp(f"bert{s}"), s) for s in (0, 1)]


def _states():
    return random.getstate(), np.random.get_state()[1].copy(), torch.get_rng_state().clone()


def _same(a, b) -> bool:
    return a[0] == b[0] and np.array_equal(a[1], b[1]) and torch.equal(a[2], b[2])


# ---- no hidden global state
def test_building_a_classifier_leaves_random_states(two_encoders):
    from tweetlab.models.finetune import make_classifier
    random.seed(5); np.random.seed(5); torch.manual_seed(5)
    before = _states()
    m1 = make_classifier(two_encoders[0], labels=["neg", "pos"], seed=3)
    assert _same(before, _states())
    m2 = make_classifier(two_encoders[0], labels=["neg", "pos"], seed=3)
    assert torch.equal(m1.classifier.weight, m2.classifier.weight)            # still reproducible from its seed


def test_building_a_hybrid_leaves_random_states(two_encoders):
    from tweetlab.models.hybrid import make_hybrid
    random.seed(6); np.random.seed(6); torch.manual_seed(6)
    before = _states()
    h1 = make_hybrid(["f1", "f2"], ["neg", "pos"], two_encoders[0], seed=3)
    assert _same(before, _states())
    h2 = make_hybrid(["f1", "f2"], ["neg", "pos"], two_encoders[0], seed=3)
    assert torch.equal(h1.head[1].weight, h2.head[1].weight)


def test_embed_default_encoder_follows_tweetlab_model(two_encoders, monkeypatch, tmp_path):
    "Two encoders chosen through TWEETLAB_MODEL in one process give different embeddings; switching back restores the first."
    from tweetlab.features.encoders import embed
    monkeypatch.setenv("TWEETLAB_CACHE", str(tmp_path))
    texts = ["so happy today", "this is awful"]
    monkeypatch.setenv("TWEETLAB_MODEL", two_encoders[0])
    a = embed(texts, cache=False, progress=False)
    monkeypatch.setenv("TWEETLAB_MODEL", two_encoders[1])
    b = embed(texts, cache=False, progress=False)
    assert a.shape == b.shape == (2, 32) and not np.allclose(a, b)
    monkeypatch.setenv("TWEETLAB_MODEL", two_encoders[0])
    assert np.allclose(embed(texts, cache=False, progress=False), a, atol=1e-6)


def test_tokenizer_follows_tweetlab_model(two_encoders, monkeypatch):
    monkeypatch.setenv("TWEETLAB_MODEL", two_encoders[0])
    t0 = load_tokenizer()
    monkeypatch.setenv("TWEETLAB_MODEL", two_encoders[1])
    assert load_tokenizer() is not t0 and load_tokenizer() is load_tokenizer(two_encoders[1])


# ---- the cache
def _save(m, folder): np.save(folder / "w.npy", m)
def _load(folder): return np.load(folder / "w.npy")


def test_cache_round_trip_and_lock_file(tmp_path):
    builds = []
    def build():
        builds.append(1); return np.arange(4), {"n": 4}, pd.DataFrame({"epoch": [1.0]})
    p, key = tmp_path / "models" / "toy", {"kind": "toy", "seed": 1}
    m, rec = cached(p, key, build, _save, _load)
    m2, rec2 = cached(p, key, build, _save, _load)
    assert len(builds) == 1 and np.array_equal(m, m2) and rec2["info"] == {"n": 4} and rec2["history"] == {"epoch": [1.0]}
    assert json.loads((p / "tweetlab.json").read_text())["files"].keys() == {"w.npy"}
    assert sorted(x.name for x in p.parent.iterdir()) == ["toy", "toy.lock"]       # no temporary folder left


@pytest.mark.parametrize("damage, what", [
    (lambda p: (p / "w.npy").unlink(), "missing or changed"),
    (lambda p: (p / "w.npy").write_bytes(b"garbage"), "missing or changed"),
    (lambda p: (p / "extra.bin").write_bytes(b"x"), "missing or changed"),
    (lambda p: (p / "tweetlab.json").write_text("{not json"), "unreadable record"),
])
def test_damaged_entry_is_rebuilt_with_a_warning(tmp_path, damage, what):
    p, key = tmp_path / "toy", {"kind": "toy"}
    build = lambda: (np.ones(3), {}, pd.DataFrame())
    cached(p, key, build, _save, _load)
    damage(p)
    with pytest.warns(CacheWarning, match=what):
        m, _ = cached(p, key, build, _save, _load)
    assert np.array_equal(_load(p), np.ones(3)) and read_entry(p, key, warn=False) is not None


def test_another_key_is_not_a_hit(tmp_path):
    p = tmp_path / "toy"
    write_entry(p, {"seed": 1}, {}, pd.DataFrame(), lambda d: _save(np.zeros(2), d))
    with pytest.warns(CacheWarning, match="another key"):
        assert read_entry(p, {"seed": 2}) is None
    assert p.exists()                                                            # reading never deletes


def test_failed_load_never_deletes(tmp_path):
    "A load that fails for a reason outside the entry (here: a device this machine lacks) raises and leaves the model."
    p, key = tmp_path / "toy", {"kind": "toy"}
    cached(p, key, lambda: (np.ones(3), {}, pd.DataFrame()), _save, _load)
    before = sorted(x.name for x in p.iterdir())
    def load_on_missing_device(folder):
        return torch.from_numpy(_load(folder)).to("cuda:7" if not torch.cuda.is_available() else "nonexistent-device")
    with pytest.raises((RuntimeError, AssertionError)):
        cached(p, key, lambda: pytest.fail("rebuilt"), _save, load_on_missing_device)
    assert sorted(x.name for x in p.iterdir()) == before


def test_atomic_folder_failure_keeps_old(tmp_path):
    with atomic_folder(tmp_path / "m") as d: (d / "a").write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_folder(tmp_path / "m", overwrite=True) as d:
            (d / "a").write_text("new"); raise RuntimeError("crash")
    assert (tmp_path / "m" / "a").read_text() == "old" and len(list(tmp_path.iterdir())) == 1


def test_key_digest_ignores_order():
    assert key_digest({"a": 1, "b": [1, 2]}) == key_digest({"b": [1, 2], "a": 1}) != key_digest({"a": 2, "b": [1, 2]})


# ---- input checks
@pytest.mark.parametrize("bad, err, msg", [
    ("one tweet", TypeError, "wrap it in a list"), (None, TypeError, "is None"), (["ok", None], TypeError, "1 of 2 items"),
    (["ok", 3], TypeError, "position 1"),
])
def test_check_texts_errors(bad, err, msg):
    with pytest.raises(err, match=msg): check_texts(bad)


def test_check_texts_empty_and_blank():
    assert check_texts([]) == []
    with pytest.raises(ValueError, match="empty"): check_texts([], allow_empty=False)
    with pytest.raises(ValueError, match="blank"): check_texts(["a", " "], blank="raise")
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        assert check_texts(["a", ""], blank="warn") == ["a", ""]
    assert "1 of 2 texts are empty" in str(w[0].message)


def test_check_xy_and_class_names():
    with pytest.raises(ValueError, match="NaN"): check_xy(np.array([[np.inf, 1.0]]), [0])
    with pytest.raises(ValueError, match="numeric"): check_xy(np.array([["a"]]), [0])
    assert class_names(None, None, [0, 3]) == ["0", "1", "2", "3"]
    with pytest.raises(ValueError, match="repeat"): class_names(["a", "b", "a"])


# ---- inference
def test_batch_logits_order_and_batch_size(two_encoders):
    from transformers import AutoModelForSequenceClassification
    torch.manual_seed(0)
    m = AutoModelForSequenceClassification.from_pretrained(two_encoders[0], num_labels=3)
    tok = load_tokenizer(two_encoders[0])
    texts = ["a", "a much longer tweet about nothing in particular, really", "mid length tweet", "ok!!"]
    ref = np.concatenate([batch_logits(m, tok, [t]) for t in texts])
    for bs in (1, 3, 64):
        assert np.allclose(batch_logits(m, tok, texts, batch_size=bs), ref, atol=1e-5)
    with pytest.raises(ValueError, match="one row per text"):
        batch_logits(m, tok, texts, extra={"features": np.zeros((2, 3))})
