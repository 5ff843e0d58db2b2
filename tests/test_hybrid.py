"""Tests for tweetlab.models.hybrid on a tiny random BERT (2 layers, hidden 32) with the default encoder's tokenizer."""
import json

import numpy as np
import pandas as pd
import pytest
import torch
from datasets import ClassLabel, Dataset, DatasetDict

from tweetlab.models.feature_table import (FeatureScaler, HybridCollator, check_features, drop_group_ablation, feature_groups,
                                        hybrid_dataset, stack)
from tweetlab.core.hub import load_tokenizer
from tweetlab.train.trainer import TrainConfig, save_classifier
from tweetlab.models.hybrid import HybridConfig, TransformerWithFeatures, load_hybrid, predict_hybrid, train_hybrid
from tweetlab.assess.metrics import paired_bootstrap, seed_table

LABELS = ["anger", "joy", "optimism", "sadness"]
NAMES = ["exclamations", "afinn_sum", "vader_compound"]
TEXTS = ["I am so happy today!!", "furious at the bus company", "not feeling great... miss you", "ok",
         "tomorrow will be better, I know it", "why does this always happen to me", "lol best day ever", "sigh"]


@pytest.fixture(scope="module")
def tok():
    return load_tokenizer()


def tiny_model(tok, seed=0, names=NAMES):
    from transformers import BertConfig, BertModel
    torch.manual_seed(seed)
    enc = BertModel(BertConfig(vocab_size=tok.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                               intermediate_size=64, max_position_embeddings=128))
    return TransformerWithFeatures(HybridConfig(enc.config.to_dict(), names, LABELS, proj_dim=16, feature_dim=8), encoder=enc)


def feats(n, seed=0, shift=0.0):
    return pd.DataFrame(np.random.default_rng(seed).normal(shift, 1, (n, len(NAMES))), columns=NAMES)


def test_forward_shapes_and_loss(tok):
    m = tiny_model(tok)
    ds = hybrid_dataset(TEXTS[:4], feats(4), tok, labels=[0, 1, 2, 3])
    batch = HybridCollator(tok)([ds[i] for i in range(4)])
    out = m(**batch)
    assert out.logits.shape == (4, 4)
    assert out.loss.ndim == 0 and torch.isfinite(out.loss)
    assert torch.allclose(out.loss, torch.nn.functional.cross_entropy(out.logits, batch["labels"]))
    out.loss.backward()
    assert m.feature_net[0].weight.grad is not None and m.encoder.embeddings.word_embeddings.weight.grad is not None
    no_labels = m(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], features=batch["features"])
    assert no_labels.loss is None and no_labels.logits.shape == (4, 4)
    with pytest.raises(ValueError, match="features must be"):
        m(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], features=batch["features"][:, :2])


def test_masked_mean_pooling_ignores_padding(tok):
    m = tiny_model(tok).eval()
    F = feats(2)
    one = HybridCollator(tok)([hybrid_dataset(TEXTS[3:4], F.iloc[:1], tok)[0]])
    two = HybridCollator(tok)([hybrid_dataset([TEXTS[3], TEXTS[4]], F, tok)[i] for i in range(2)])
    assert two["input_ids"].shape[1] > one["input_ids"].shape[1]          # the short tweet is padded in the pair
    with torch.no_grad():
        a, b = m(**one).logits[0], m(**two).logits[0]
    assert torch.allclose(a, b, atol=1e-5)


def test_collator_pads_dynamically(tok):
    ds = hybrid_dataset(TEXTS, feats(len(TEXTS)), tok, labels=[i % 4 for i in range(len(TEXTS))], max_length=64)
    rows = [ds[i] for i in range(len(TEXTS))]
    batch = HybridCollator(tok)(rows)
    lengths = [len(r["input_ids"]) for r in rows]
    assert batch["input_ids"].shape == (len(TEXTS), max(lengths))
    assert batch["attention_mask"].sum(1).tolist() == lengths
    assert (batch["input_ids"][batch["attention_mask"] == 0] == tok.pad_token_id).all()
    assert batch["features"].dtype == torch.float32 and batch["features"].shape == (len(TEXTS), len(NAMES))
    assert batch["labels"].tolist() == [i % 4 for i in range(len(TEXTS))]
    with pytest.raises(KeyError, match="features"):
        HybridCollator(tok)([{k: v for k, v in r.items() if k != "features"} for r in rows])


def test_truncation(tok):
    ds = hybrid_dataset(["word " * 200], feats(1), tok, max_length=16)
    assert len(ds[0]["input_ids"]) == 16


def _data(n_train=16, n_val=8):
    def split(n, off):
        return Dataset.from_dict({"text": [TEXTS[(i + off) % len(TEXTS)] + f" {i}" for i in range(n)],
                                  "label": [i % 4 for i in range(n)]})
    dsd = DatasetDict(train=split(n_train, 0), validation=split(n_val, 3))
    return dsd.cast_column("label", ClassLabel(names=LABELS))


def test_scaler_fitted_on_train_only_and_round_trip(tok, tmp_path):
    data = _data()
    F = {"train": feats(16, 1, shift=5.0), "validation": feats(8, 2, shift=-5.0)}
    m = tiny_model(tok)
    res = train_hybrid(m, tok, data, F, TrainConfig(epochs=1, batch_size=8, eval_batch_size=8, seed=0), progress=False)
    model = res.model
    assert np.allclose(model.scaler.mean, F["train"].mean().to_numpy(), atol=1e-4)
    assert np.allclose(model.scaler.scale, F["train"].std(ddof=0).to_numpy(), atol=1e-4)
    assert np.allclose(model.feature_mean.numpy(), model.scaler.mean)
    assert res.info["steps"] == 2 and 0 <= res.best_score <= 1
    texts = list(data["validation"]["text"])
    ids, p = predict_hybrid(model, tok, texts, F["validation"])
    assert p.shape == (8, 4) and np.allclose(p.sum(1), 1, atol=1e-5) and (ids == p.argmax(1)).all()
    path = save_classifier(model, tok, tmp_path / "hyb")
    meta = json.loads((path / "config.json").read_text())
    assert meta["model_type"] == "tweetlab-hybrid" and meta["feature_names"] == NAMES
    assert np.allclose(meta["scaler"]["mean"], F["train"].mean().to_numpy(), atol=1e-4)
    assert (path / "model.safetensors").is_file() and not list(path.glob("*.bin")) and not list(path.glob("*.pt"))
    again, tok2 = load_hybrid(path, device="cpu")
    ids2, p2 = predict_hybrid(again, tok2, texts, F["validation"])
    assert (ids2 == ids).all() and np.allclose(p2, p, atol=1e-6)
    with pytest.raises(FileExistsError):
        save_classifier(model, tok, path)
    with pytest.raises(FileNotFoundError, match="not a saved hybrid"):
        load_hybrid(tmp_path / "nothing")


def test_bad_input_row_count(tok):
    with pytest.raises(ValueError, match="7 rows but there are 8 texts"):
        hybrid_dataset(TEXTS, feats(7), tok)
    m = tiny_model(tok)
    m.set_scaler(FeatureScaler.fit(feats(8)))
    with pytest.raises(ValueError, match="rows but there are"):
        predict_hybrid(m, tok, TEXTS, feats(9))


def test_bad_input_nan(tok):
    F = feats(8)
    F.iloc[3, 1] = np.nan
    with pytest.raises(ValueError, match=r"NaN or infinite.*row 3.*afinn_sum"):
        hybrid_dataset(TEXTS, F, tok)
    with pytest.raises(ValueError, match="NaN"):
        FeatureScaler.fit(F)
    F.iloc[3, 1] = np.inf
    with pytest.raises(ValueError, match="NaN or infinite"):
        check_features(F, n=8)


def test_bad_input_feature_set_differs(tok):
    m = tiny_model(tok)
    m.set_scaler(FeatureScaler.fit(feats(8)))
    F = feats(8)
    with pytest.raises(ValueError, match="different order"):
        predict_hybrid(m, tok, TEXTS, F[NAMES[::-1]])
    with pytest.raises(ValueError, match=r"missing \['vader_compound'\]"):
        predict_hybrid(m, tok, TEXTS, F.drop(columns="vader_compound"))
    with pytest.raises(ValueError, match=r"unexpected \['nrc_joy'\]"):
        predict_hybrid(m, tok, TEXTS, F.rename(columns={"afinn_sum": "nrc_joy"}))
    with pytest.raises(TypeError, match="without column names"):
        predict_hybrid(m, tok, TEXTS, F.to_numpy())
    sc = FeatureScaler.fit(F)
    with pytest.raises(ValueError, match="differs"):
        sc.transform(F[NAMES[::-1]])


def test_stack_and_groups():
    E = np.ones((5, 3))
    assert stack(E, feats(5)).shape == (5, 6)
    with pytest.raises(ValueError, match="different numbers of rows"):
        stack(E, feats(4))
    with pytest.raises(ValueError, match="NaN"):
        stack(np.full((5, 2), np.nan))
    assert feature_groups(["afinn_sum", "nrc_joy", "exclamations"]) == {"style": ["exclamations"], "afinn": ["afinn_sum"], "nrc": ["nrc_joy"]}
    with pytest.raises(ValueError, match="not TweetFeatures columns"):
        feature_groups(["bogus"])


def test_drop_group_ablation_rows():
    rng = np.random.default_rng(0)
    y = np.arange(40) % 4
    F = pd.DataFrame({"afinn_sum": y + rng.normal(0, 0.1, 40), "exclamations": rng.normal(size=40)})
    E = rng.normal(size=(40, 3))
    out = drop_group_ablation(E, F, y, E, F, y, C=1.0)
    assert list(out.index) == ["all features", "without style", "without afinn", "no features (text only)"]
    assert out.loc["without afinn", "change"] < -0.3                      # the informative group matters
    assert out.loc["without afinn", "measurable"] and out.loc["without afinn", "high"] < 0   # ...beyond the bootstrap noise
    assert (out["low"] <= out["change"] + 1e-12).all() and (out["change"] <= out["high"] + 1e-12).all()
    with pytest.raises(ValueError, match="different order"):
        drop_group_ablation(E, F, y, E, F[["exclamations", "afinn_sum"]], y, C=1.0)


def test_seed_table_and_bootstrap():
    s = pd.DataFrame({"model": ["a", "a", "b"], "seed": [1, 2, 1], "macro_f1": [0.6, 0.8, 0.7]})
    t = seed_table(s)
    assert t.loc["a", "n_seeds"] == 2 and np.isclose(t.loc["a", "mean"], 0.7) and t.loc["b", "mean ± sd"] == "0.700 (1 seed)"
    assert np.isnan(t.loc["b", "sd"])
    with pytest.raises(ValueError, match="occur twice"):
        seed_table(pd.concat([s, s]))
    y = np.arange(100) % 4
    better = paired_bootstrap(y, (y + 1) % 4, y, n_boot=100, seed=0)
    assert better["diff"] == 1.0 and better["low"] > 0.9
    with pytest.raises(ValueError, match="same length"):
        paired_bootstrap(y, y[:-1], y)
