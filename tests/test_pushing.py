"Tests for the pushing-accuracy helpers: blending probabilities, the blend weight, an encoder folder from a fine-tuned model, distilling from an ensemble."
import copy

import numpy as np
import pandas as pd
import pytest
import torch
from datasets import DatasetDict

from tweetlab import TweetClassifier
from tweetlab.train.inference import CachedModel
from tweetlab.train.trainer import TrainConfig
from tweetlab.compress.distill import DistillConfig, distill
from tweetlab.models.finetune import make_classifier
from tweetlab.app.course_models import distil_ensemble, encoder_from
from tweetlab.models.ensemble import blend, choose_weight
from tiny_classifier import tiny_dataset


def test_blend_is_a_weighted_mean_of_probabilities():
    rng = np.random.default_rng(0)
    P = [rng.dirichlet(np.ones(4), size=10) for _ in range(3)]
    assert np.allclose(blend(P), sum(P) / 3) and np.allclose(blend(P, [1, 2, 1]).sum(1), 1)
    assert np.allclose(blend(P, [2, 0, 0]), P[0])


@pytest.mark.parametrize("probs, weights, match", [([], None, "empty"), ([np.ones((2, 3)) / 3, np.ones((3, 3)) / 3], None, "same"),
                                                   ([np.ones((2, 3)) / 3] * 2, [1, -1], "non-negative"),
                                                   ([np.ones((2, 3)) / 3] * 2, [0, 0], "not all 0"),
                                                   ([np.ones((2, 3)) / 3] * 2, [1], "non-negative")])
def test_blend_bad_input(probs, weights, match):
    with pytest.raises(ValueError, match=match): blend(probs, weights)


def test_choose_weight_picks_on_validation_and_prefers_small_weights():
    p = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
    q = np.array([[0.5, 0.5], [0.5, 0.5], [0.0, 1.0]])
    assert choose_weight(p, q, [0, 1, 0])[0] == 0.0          # p alone is right everywhere
    w, table = choose_weight(p, q, [0, 1, 1])                # the third tweet needs w > 1/6
    assert w == 0.2 and list(table.columns) == ["w", "val_macro_f1"] and len(table) == 11
    with pytest.raises(ValueError, match="differ in length"): choose_weight(p, q, [0, 1])


def test_encoder_from_keeps_the_tuned_encoder(tiny, tokenizer, tmp_path, monkeypatch):
    monkeypatch.setenv("TWEETLAB_CACHE", str(tmp_path))
    ft = CachedModel(tiny, tokenizer, pd.DataFrame(), {}, tmp_path / "finetuned-tiny-0123456789abcdef")
    folder = encoder_from(ft)
    assert encoder_from(ft) == folder                         # written once, then read
    clf = make_classifier(folder, labels=["a", "b", "c"])
    assert clf.config.num_labels == 3
    for name, w in tiny.bert.state_dict().items(): assert torch.equal(clf.bert.state_dict()[name], w), name
    with pytest.raises(TypeError, match="get_finetuned"): encoder_from(tiny)


def test_distill_from_a_function_of_texts(tiny, tokenizer):
    data = DatasetDict(train=tiny_dataset(16), validation=tiny_dataset(8))
    k = tiny.config.num_labels
    teacher = lambda texts: np.log(np.full((len(texts), k), 1.0 / k))
    cfg = TrainConfig(epochs=1, max_steps=2, batch_size=8)
    res = distill(teacher, tokenizer, data, DistillConfig(n_layers=4), cfg, student=copy.deepcopy(tiny), progress=False)
    assert res.info["steps"] == 2 and res.model.config.num_hidden_layers == tiny.config.num_hidden_layers
    with pytest.raises(ValueError, match="pass student="): distill(teacher, tokenizer, data, config=cfg)
    with pytest.raises(ValueError, match="one finite row per text"):
        distill(lambda texts: np.zeros((1, k)), tokenizer, data, config=cfg, student=copy.deepcopy(tiny), progress=False)


def test_distil_ensemble_checks_its_inputs(tiny, tokenizer, tmp_path):
    ft = CachedModel(tiny, tokenizer, pd.DataFrame(), {}, tmp_path / "finetuned-tiny")
    member = TweetClassifier.from_model(tiny, tokenizer)
    other = TweetClassifier.from_model(make_classifier(labels=["x", "y"]), tokenizer)
    with pytest.raises(TypeError, match="TweetClassifier"): distil_ensemble(tiny, ft)
    with pytest.raises(TypeError, match="CachedModel"): distil_ensemble(member, tiny)
    with pytest.raises(ValueError, match="classes"): distil_ensemble(TweetClassifier.from_members([other]), ft)


def test_from_members_needs_the_same_classes(tiny, tokenizer):
    a = TweetClassifier.from_model(tiny, tokenizer)
    b = TweetClassifier.from_model(make_classifier(labels=["x", "y"]), tokenizer)
    with pytest.raises(ValueError, match="same classes"): TweetClassifier.from_members([a, b])
    with pytest.raises(TypeError, match="fitted TweetClassifier"): TweetClassifier.from_members([a, "b"])
    with pytest.raises(RuntimeError, match="not fitted"): TweetClassifier.from_members([TweetClassifier()])
