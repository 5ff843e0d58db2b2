"Scaling helpers: batch plans (a property over many inputs), launch commands and their bad input, step timing/FLOPs errors."
import pytest
import torch
from hypothesis import given, settings, strategies as st

from tweetlab.core.config import cpu_cores
from tweetlab.course.scaling import batch_plan, launch_command, needs_gpu, step_flops, step_seconds


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 512), st.integers(1, 64), st.one_of(st.none(), st.integers(1, 128)))
def test_batch_plan_makes_the_global_batch(global_batch, processes, max_per_device):
    if global_batch % processes:
        with pytest.raises(ValueError, match="divisible by|cannot share"): batch_plan(global_batch, processes, max_per_device)
        return
    p = batch_plan(global_batch, processes, max_per_device)
    assert p["per_device"] * p["processes"] * p["accumulation"] == global_batch
    if max_per_device is not None: assert p["per_device"] <= max_per_device
    else: assert p["accumulation"] == 1
    # the largest per-device batch that fits: no smaller accumulation works
    share = global_batch // processes
    assert all(share % a or share // a > (max_per_device or share) for a in range(1, p["accumulation"]))


def test_batch_plan_errors():
    with pytest.raises(ValueError, match="3 processes cannot share a batch of 2"): batch_plan(2, 3)
    with pytest.raises(ValueError, match="at least 1"): batch_plan(8, 1, -1)


def test_launch_command_shapes():
    one = launch_command(["train.py"], processes=1, threads=2)
    assert one[:2] == ["accelerate", "launch"] and "--multi_gpu" not in one and one[-1] == "train.py"
    two = launch_command(["-m", "tweetlab.app.cli", "train", "x", "--seed", 3], processes=2)
    assert "--multi_gpu" in two and two[-6:] == ["-m", "tweetlab.app.cli", "train", "x", "--seed", "3"]
    assert two[two.index("--num_cpu_threads_per_process") + 1] == str(max(1, cpu_cores() // 2))
    ranks = [launch_command(["t.py"], processes=16, machines=2, machine_rank=r, main_address="10.0.0.1", mixed_precision="bf16")
             for r in (0, 1)]
    assert [c[c.index("--machine_rank") + 1] for c in ranks] == ["0", "1"]
    assert all(c[c.index("--num_processes") + 1] == "16" and c[c.index("--mixed_precision") + 1] == "bf16" for c in ranks)


@pytest.mark.parametrize("kw, msg", [(dict(processes=0), "spread evenly"), (dict(processes=3, machines=2), "spread evenly"),
                                     (dict(processes=4, machines=2), "main_address"),
                                     (dict(processes=4, machines=2, machine_rank=-1, main_address="h"), "0..1"),
                                     (dict(mixed_precision="fp32"), "'no', 'fp16' or 'bf16'")])
def test_launch_command_bad_input(kw, msg):
    with pytest.raises(ValueError, match=msg): launch_command(["t.py"], **kw)


def test_step_helpers_on_a_tiny_model(tiny):
    batch = {"input_ids": torch.randint(5, 100, (4, 12)), "attention_mask": torch.ones(4, 12, dtype=torch.long),
             "labels": torch.tensor([0, 1, 2, 3])}
    flops = step_flops(tiny, batch)
    assert flops > 0 and all(p.grad is None for p in tiny.parameters())         # counted, then cleared
    assert step_flops(tiny, {**batch, "input_ids": batch["input_ids"].repeat(2, 1), "attention_mask": batch["attention_mask"].repeat(2, 1),
                             "labels": batch["labels"].repeat(2)}) == pytest.approx(2 * flops, rel=0.01)   # linear in the batch
    assert step_seconds(tiny, batch, steps=2, warmup=0) > 0
    with pytest.raises(ValueError, match="labels"): step_flops(tiny, {k: v for k, v in batch.items() if k != "labels"})
    with pytest.raises(ValueError, match="at least 1"): step_seconds(tiny, batch, steps=0)
    with pytest.raises(ValueError, match="'no', 'fp16' or 'bf16'"): step_seconds(tiny, batch, mixed_precision="int8")


def test_needs_gpu_says_why(capsys):
    have = torch.cuda.device_count() if torch.cuda.is_available() else 0
    assert needs_gpu("a big job", count=have + 1) is False
    assert "Skipped: a big job needs" in capsys.readouterr().out
