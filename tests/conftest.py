"Shared pytest fixtures: never touch the Hub, and find the real data when it is there."
import os
from pathlib import Path

import pytest

from tweetlab.core.hub import load_tokenizer
from tiny_classifier import tiny_classifier


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    "No test may wait on the Hugging Face Hub."
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="session")
def real_data() -> Path:
    "The TWEETLAB_DATA folder; the test is skipped when it is not set."
    raw = os.environ.get("TWEETLAB_DATA")
    if not raw or not Path(raw).is_dir(): pytest.skip("TWEETLAB_DATA is not set to the real data folder")
    return Path(raw)


@pytest.fixture(scope="module")
def tokenizer():
    "The packaged default encoder's tokenizer (offline)."
    return load_tokenizer()


@pytest.fixture(scope="module")
def tiny(tokenizer):
    "A tiny random 4-layer BERT classifier over the four TweetEval emotion classes."
    return tiny_classifier(tokenizer)


@pytest.fixture(scope="session")
def tiny_encoder(tmp_path_factory) -> str:
    "A folder holding a tiny random 2-layer BERT encoder with the default tokenizer: `TweetClassifier(encoder=...)` trains it in seconds."
    from transformers import BertConfig, BertModel
    import torch
    tok = load_tokenizer()
    torch.manual_seed(0)
    cfg = BertConfig(vocab_size=tok.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                     intermediate_size=64, max_position_embeddings=128)
    folder = tmp_path_factory.mktemp("tiny-encoder")
    BertModel(cfg).save_pretrained(folder)
    tok.save_pretrained(folder)
    return str(folder)
