from pathlib import Path

import numpy as np
import pytest

from tweetlab.core import config


def test_quick_flags(monkeypatch):
    monkeypatch.delenv("IN_TEST", raising=False)
    monkeypatch.delenv("TWEETLAB_QUICK", raising=False)
    assert not config.is_quick() and config.pick("full", "quick") == "full"
    monkeypatch.setenv("TWEETLAB_QUICK", "yes")
    assert config.is_quick() and config.pick("full", "quick") == "quick"
    monkeypatch.setenv("TWEETLAB_QUICK", "0")
    assert not config.is_quick()


def test_in_test_alone_is_not_quick(monkeypatch):
    "nbdev-test sets IN_TEST in the notebooks it runs; the library must not switch to a quick run because of it."
    monkeypatch.delenv("TWEETLAB_QUICK", raising=False)
    monkeypatch.setenv("IN_TEST", "1")
    assert not config.is_quick() and config.pick("full", "quick") == "full"
    assert not config.get_config().quick


def test_seed(monkeypatch):
    monkeypatch.setenv("TWEETLAB_SEED", "123")
    assert config.get_seed() == 123 and config.set_seed() == 123
    a = np.random.rand()
    config.set_seed(123)
    assert np.random.rand() == a
    monkeypatch.setenv("TWEETLAB_SEED", "abc")
    with pytest.raises(ValueError, match="TWEETLAB_SEED"): config.get_seed()


def test_torch_seeded():
    torch = pytest.importorskip("torch")
    config.set_seed(5); a = torch.rand(3)
    config.set_seed(5); assert torch.equal(a, torch.rand(3))


def test_paths_and_encoder(monkeypatch, tmp_path):
    monkeypatch.setenv("TWEETLAB_CACHE", str(tmp_path / "c"))
    assert config.cache_dir() == tmp_path / "c" and (tmp_path / "c").is_dir()
    monkeypatch.delenv("TWEETLAB_MODEL", raising=False)
    enc = Path(config.default_encoder())
    assert (enc / "config.json").exists() and (enc / "model.safetensors").exists()
    monkeypatch.setenv("TWEETLAB_MODEL", "roberta-base")
    assert config.default_encoder() == "roberta-base"
    monkeypatch.setenv("TWEETLAB_DEVICE", "cpu")
    cfg = config.get_config()
    assert cfg.device == "cpu" and cfg.encoder == "roberta-base" and cfg.as_dict()["cache_dir"] == str(tmp_path / "c")
    monkeypatch.delenv("TWEETLAB_DATA", raising=False)
    assert config.data_dir() is None


def test_hub_offline(monkeypatch):
    assert config.hub_offline()  # conftest sets it
    monkeypatch.delenv("HF_HUB_OFFLINE"); monkeypatch.delenv("HF_DATASETS_OFFLINE")
    assert not config.hub_offline()


def test_resolve_seed_and_set_seed_match_the_plain_calls(monkeypatch):
    "`resolve_seed` reads `seed=` the same way everywhere; `set_seed` leaves the same random streams as seeding by hand."
    import random
    import numpy as np
    import torch
    monkeypatch.delenv("TWEETLAB_SEED", raising=False)
    assert config.resolve_seed(None) == config.SEED and config.resolve_seed(7) == 7 and config.resolve_seed("8") == 8
    config.set_seed(3); a = (random.random(), np.random.rand(), torch.rand(1).item())
    random.seed(3); np.random.seed(3); torch.manual_seed(3)
    assert a == (random.random(), np.random.rand(), torch.rand(1).item())
