"""`tweetlab predict` against `transformers.pipeline("text-classification", batch_size=32)`: speed, labels and memory.

One run, one machine: the same saved model, the same 12,284 TweetEval sentiment test tweets, the same truncation
(the model's max_length). `tweetlab predict` runs float32 models with ONNX Runtime by default (--engine torch: PyTorch).
Each contender is timed end to end in this process (load the model, classify every tweet;
`tweetlab predict` also reads the CSV and writes every row with its probabilities), interleaved over --repeats rounds;
the median time counts. Printed: first the CPU and torch's CPU capability (`cpu_line`: int8 speed depends on the
instruction set, AVX2, AVX-512, AVX-512 VNNI), then tweets per second, the ratio to the pipeline, whether the labels
are identical. Then the peak memory (max RSS) of the `tweetlab predict` command on 10,000 rows and on 200,000 rows (the real tweets repeated).
The model: --model DIR (a folder saved by TweetClassifier.save or `tweetlab train`); by default a model trained for
20 steps on the sentiment validation tweets (speed and agreement do not depend on how well it is trained).
Usage: python benchmarks/predict_speed.py [--model DIR] [--repeats 3] [--memory-rows 10000 200000] [--memory-int8]
"""
import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np
import pandas as pd


def peak_rss_mb(cmd: list) -> tuple:
    "(seconds, peak RSS in MB) of a command run in a fresh wrapper process (RUSAGE_CHILDREN of that wrapper)."
    code = ("import resource, subprocess, sys, time; t = time.perf_counter(); r = subprocess.run(sys.argv[1:]); "
            "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.returncode)")
    out = subprocess.run([sys.executable, "-c", code, *cmd], capture_output=True, text=True, check=True).stdout.split()
    if out[2] != "0": raise RuntimeError(f"{' '.join(cmd)} failed with exit code {out[2]}")
    return float(out[0]), int(out[1]) / 1024


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", help="a saved tweetlab model folder (default: train a 20-step model first)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--memory-rows", type=int, nargs=2, default=[10_000, 200_000])
    ap.add_argument("--memory-int8", action="store_true", help="measure memory with --int8 (faster; the default is float32)")
    args = ap.parse_args()
    from tweetlab.compress.measure import cpu_line
    print(cpu_line(), flush=True)

    from transformers import pipeline
    from tweetlab import TweetClassifier, load_tweets
    from tweetlab.core.hub import quiet_transformers
    from tweetlab.app.cli import predict_file

    work = Path(tempfile.mkdtemp(prefix="predict-speed-"))
    data = load_tweets("tweet_eval/sentiment")
    test = pd.DataFrame({"text": data["test"]["text"]})
    test.to_csv(work / "test.csv", index=False)
    texts = test["text"].tolist()
    model = args.model
    if model is None:
        model = str(TweetClassifier(config="finetune-quick").fit(data["validation"], progress=False).save(work / "model"))
    max_length = TweetClassifier.load(model).config.max_length
    print(f"model: {model if args.model else 'a 20-step quick model'}; {len(texts):,} tweets; max_length {max_length}\n")

    def run_pipeline():
        with quiet_transformers():
            pipe = pipeline("text-classification", model=model, batch_size=32, device="cpu")
            return [r["label"] for r in pipe(texts, truncation=True, max_length=max_length)]

    def run_tweetlab(int8: bool, engine: str = "auto"):
        def f():
            out = work / f"pred-{int8}-{engine}.csv"
            predict_file(model, work / "test.csv", out, int8=int8, overwrite=True, progress=False, engine=engine)
            return pd.read_csv(out, keep_default_na=False)["predicted_label"].tolist()
        return f

    contenders = {"transformers pipeline (batch 32)": run_pipeline, "tweetlab predict": run_tweetlab(False),
                  "tweetlab predict --engine torch": run_tweetlab(False, "torch"), "tweetlab predict --int8": run_tweetlab(True)}
    times, labels = {k: [] for k in contenders}, {}
    for r in range(args.repeats):
        k = r % len(contenders)
        order = list(contenders)[k:] + list(contenders)[:k]                    # rotate the order each round
        for name in order:
            t0 = time.perf_counter(); labels[name] = contenders[name](); times[name].append(time.perf_counter() - t0)
    base = "transformers pipeline (batch 32)"
    rows = []
    for name in contenders:
        t = float(np.median(times[name]))
        rows.append({"contender": name, "median s": round(t, 2), "tweets/s": round(len(texts) / t, 1),
                     "vs pipeline": round(float(np.median(times[base])) / t, 2),
                     "same labels as pipeline": f"{np.mean(np.array(labels[name]) == np.array(labels[base])):.2%}"})
    print(pd.DataFrame(rows).set_index("contender").to_string())
    print("\ntargets: float32 (the default engine) at least 2x the pipeline with identical labels; --int8 at least 3x on AVX2, 4x on AVX-512 VNNI\n")

    n_small, n_big = args.memory_rows
    reps = int(np.ceil(n_big / len(texts)))
    big = pd.concat([test] * reps, ignore_index=True)
    for n in (n_small, n_big): big.iloc[:n].to_csv(work / f"rows-{n}.csv", index=False)
    exe = str(Path(sys.executable).with_name("tweetlab"))
    mem = []
    for n in (n_small, n_big):
        cmd = [exe, "predict", model, str(work / f"rows-{n}.csv"), "--out", str(work / f"out-{n}.csv"), "--overwrite"]
        secs, mb = peak_rss_mb(cmd + (["--int8"] if args.memory_int8 else []))
        mem.append({"rows": n, "precision": "int8" if args.memory_int8 else "float32", "seconds": round(secs, 1), "peak RSS MB": round(mb)})
    mem = pd.DataFrame(mem).set_index("rows")
    print(mem.to_string())
    print(f"\npeak memory, {n_big:,} rows against {n_small:,}: {mem['peak RSS MB'].iloc[1] / mem['peak RSS MB'].iloc[0]:.2f}x (target: at most 1.5x)")


if __name__ == "__main__":
    main()
