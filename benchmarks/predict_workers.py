"""`tweetlab predict --workers N` against `--workers 1`: tweets per second on this machine, and identical output.

One run, one machine: the same saved model, the same 12,284 TweetEval sentiment test tweets in a CSV, the same
--chunk-size. Each setting is timed end to end (`predict_file`: start the worker processes, load the model in each,
read, classify and write every row), interleaved over --repeats rounds; the median counts. `--workers 1` runs in this
process with all cores as PyTorch threads; `--workers N` starts N processes with cores / N threads each. Printed: the
CPU (`cpu_line`), then per setting the seconds, tweets per second, the ratio to `--workers 1`, and whether the output
file is byte for byte the same as with one worker.
The model: --model DIR (a folder saved by TweetClassifier.save or `tweetlab train`); by default a model trained for
20 steps on the sentiment validation tweets (speed does not depend on how well it is trained).
With --memory, it also measures peak memory (maximum resident set size) of the main process and of the largest worker,
each setting in a fresh Python process, on the file and on the file repeated 4 times: bounded memory means the peak
does not grow with the number of rows.
Usage: python benchmarks/predict_workers.py [--model DIR] [--workers 2] [--repeats 3] [--engine torch|onnx] [--chunk-size 1024] [--memory]
"""
import argparse
import os
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


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", help="a saved tweetlab model folder (default: train a 20-step model first)")
    ap.add_argument("--workers", type=int, nargs="+", default=[2])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--engine", default="torch", choices=["torch", "onnx"])
    ap.add_argument("--chunk-size", type=int, default=1024)
    ap.add_argument("--memory", action="store_true", help="also measure peak memory on the file and on 4 copies of it")
    args = ap.parse_args()
    from tweetlab.compress.measure import cpu_line
    print(cpu_line(), flush=True)
    from tweetlab import TweetClassifier, load_tweets
    from tweetlab.app.cli import predict_file

    work = Path(tempfile.mkdtemp(prefix="predict-workers-"))
    data = load_tweets("tweet_eval/sentiment")
    pd.DataFrame({"text": data["test"]["text"]}).to_csv(work / "test.csv", index=False)
    n = len(data["test"])
    model = args.model
    if model is None:
        model = TweetClassifier(config="finetune-quick").fit(data["validation"], dataset="tweet_eval/sentiment", progress=False).save(work / "model")
    settings = [1, *args.workers]
    times = {w: [] for w in settings}
    for r in range(args.repeats):
        for w in settings:
            out = work / f"out-{w}.csv"
            start = time.perf_counter()
            predict_file(model, work / "test.csv", out, chunk_size=args.chunk_size, overwrite=True, progress=False, engine=args.engine, workers=w)
            times[w].append(time.perf_counter() - start)
    base = work / "out-1.csv"
    print(f"{n:,} tweets, engine {args.engine}, --chunk-size {args.chunk_size}, median of {args.repeats} rounds")
    rows = []
    for w in settings:
        t = float(np.median(times[w]))
        rows.append({"workers": w, "seconds": round(t, 1), "tweets/s": round(n / t), "vs --workers 1": round(np.median(times[1]) / t, 2),
                     "same bytes as 1 worker": (work / f"out-{w}.csv").read_bytes() == base.read_bytes()})
    print(pd.DataFrame(rows).to_string(index=False))
    if args.memory: memory(model, work, n, settings, args)


# The main process's peak is VmHWM (ru_maxrss would also count the memory of the process that started it); the
# workers' peak is ru_maxrss of the children, which can only over-count (by the main process's size when it spawned them).
MEASURE = """import re, resource, sys
from pathlib import Path
from tweetlab.app.cli import predict_file
model, src, out, chunk, engine, workers = sys.argv[1:]
predict_file(model, src, out, chunk_size=int(chunk), overwrite=True, progress=False, engine=engine, workers=int(workers))
hwm = int(re.search(r"VmHWM:\\s+(\\d+)", Path("/proc/self/status").read_text()).group(1))
print(hwm, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"""


def memory(model, work, n, settings, args):
    "Peak RSS (MB) of the main process and of the largest worker, one fresh process per setting and input size (Linux)."
    big = work / "test-x4.csv"
    df = pd.read_csv(work / "test.csv")
    pd.concat([df] * 4).to_csv(big, index=False)
    rows = []
    for src, rows_in in ((work / "test.csv", n), (big, 4 * n)):
        for w in settings:
            r = subprocess.run([sys.executable, "-c", MEASURE, str(model), str(src), str(work / "mem.csv"), str(args.chunk_size),
                                args.engine, str(w)], capture_output=True, text=True, check=True)
            main_kb, child_kb = map(int, r.stdout.split()[-2:])               # Linux reports kilobytes
            rows.append({"rows": rows_in, "workers": w, "main process MB": round(main_kb / 1024),
                         "largest worker MB": round(child_kb / 1024) if w > 1 else None})
    print(f"\npeak memory (max RSS), --chunk-size {args.chunk_size}")
    print(pd.DataFrame(rows).to_string(index=False))


if __name__ == "__main__":
    main()
