"Tests for tweetlab.compress.prune on a tiny random BERT classifier (4 layers, hidden size 32): fast, no training data needed."
import pytest
import torch

from tweetlab.compress.measure import compressed_sizes, serialized_size, sparsity
from tweetlab.compress.distill import make_student, spread_layers
from tweetlab.compress.prune import drop_layers, prune_magnitude
from tiny_classifier import TEXTS, tiny_batch


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
    with torch.no_grad(): assert s(**tiny_batch(tokenizer)).logits.shape == (len(TEXTS), 4)
    s2 = make_student(tiny, 2, layers=[1, 3])
    assert torch.equal(s2.bert.encoder.layer[1].output.dense.weight, tiny.bert.encoder.layer[3].output.dense.weight)


def test_make_student_bad_input(tiny):
    with pytest.raises(ValueError, match="larger than the teacher"): make_student(tiny, 5)
    with pytest.raises(ValueError, match="positive"): make_student(tiny, 0)
    with pytest.raises(ValueError, match="out of range"): drop_layers(tiny, [0, 4])
    with pytest.raises(ValueError, match="repeats"): drop_layers(tiny, [1, 1])
    with pytest.raises(ValueError, match="n_layers"): make_student(tiny, 2, layers=[0])
    with pytest.raises(TypeError, match="encoder.layer"): make_student(torch.nn.Linear(2, 2), 1)
