"Tests for tweetlab.compress.distill on a tiny random BERT classifier (4 layers, hidden size 32): fast, no training data needed."
import logging

import pytest
import torch
from datasets import Dataset, DatasetDict

from tweetlab.compress.onnx import export_onnx, onnx_available
from tweetlab.compress.distill import DistillConfig, DistillationTrainer, distill, distillation_loss, make_student
from tweetlab.train.trainer import TrainConfig
from tweetlab.compress.measure import count_params, serialized_size
from tweetlab.compress.quantize import quantize
from tiny_classifier import TEXTS, tiny_batch, tiny_dataset


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
    b = tiny_batch(tokenizer)
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
    data = DatasetDict(train=tiny_dataset(16), validation=tiny_dataset(8))
    res = distill(tiny, tokenizer, data, DistillConfig(n_layers=2), config=TrainConfig(epochs=1, max_steps=2, batch_size=8), progress=False)
    assert res.model.config.num_hidden_layers == 2 and res.info["steps"] == 2 and 0 <= res.best_score <= 1
    assert torch.equal(res.model.bert.embeddings.word_embeddings.weight, tiny.bert.embeddings.word_embeddings.weight)  # frozen
    assert not torch.equal(res.model.bert.encoder.layer[0].output.dense.weight, tiny.bert.encoder.layer[0].output.dense.weight)
    with pytest.raises(ValueError, match="alpha"): distill(tiny, tokenizer, data, DistillConfig(alpha=1.5))
    with pytest.raises(ValueError, match="temperature"): DistillConfig(temperature=0)
    with pytest.raises(TypeError, match="DistillConfig"): distill(tiny, tokenizer, data, {"alpha": 0.5})


def test_distill_with_transfer_set(tiny, tokenizer):
    "Unlabelled transfer tweets join the training set; duplicates and tweets of train/validation are left out and counted."
    data = DatasetDict(train=tiny_dataset(8), validation=tiny_dataset(4))
    extra = ["a brand new tweet", "another unseen one", "a brand new tweet", TEXTS[0]]
    res = distill(tiny, tokenizer, data, DistillConfig(n_layers=2), config=TrainConfig(epochs=1, max_steps=2, batch_size=4), transfer=extra,
                  progress=False)
    assert res.info["n_transfer"] == 2 and res.info["n_transfer_dropped"] == 2 and res.info["n_train"] == 8 + 2
    with pytest.raises(TypeError, match="list of tweet texts"): distill(tiny, tokenizer, data, transfer="tweet_eval/sentiment")
    with pytest.raises(ValueError, match="no tweets that are not already"): distill(tiny, tokenizer, data, transfer=TEXTS[:2])


@pytest.mark.skipif(not onnx_available(), reason="the optional onnx/onnxruntime packages are not installed")
def test_onnx_export_matches(tiny, tokenizer, tmp_path, caplog, monkeypatch):
    b = tiny_batch(tokenizer)
    with torch.no_grad(): z = tiny(**b).logits
    o = export_onnx(tiny, tmp_path / "m.onnx")
    assert torch.allclose(o(**b), z, atol=1e-4)
    root, levels = logging.getLogger(), []
    before = (root.level, list(root.handlers), list(root.filters))
    monkeypatch.setattr(root, "setLevel", levels.append)                        # records any change of the root's level
    with caplog.at_level(logging.WARNING, logger="onnxruntime"):
        oq = export_onnx(tiny, tmp_path / "mq.onnx", quantize_int8=True)
    assert not levels and (root.level, list(root.handlers), list(root.filters)) == before   # the root logger is untouched
    assert not [r for r in caplog.records if "pre-process" in r.getMessage()]   # ONNX Runtime's hint is dropped
    assert oq(**b).shape == z.shape and oq.size_mb() < o.size_mb()
    assert serialized_size(o)[1] == "onnx" and count_params(o) > 0
    with pytest.raises(ValueError, match="float model"): export_onnx(quantize(tiny), tmp_path / "x.onnx")


def test_transfer_texts_leave_out_known_tweets(real_data):
    "The transfer set is every split of the other dataset, minus tweets found in any split of the teacher's data."
    from tweetlab.app.course_models import _transfer_texts
    from tweetlab.data.tweets import load_tweets
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
