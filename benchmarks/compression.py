"""Compression benchmark: the fine-tuned teacher against its int8 copy, the distilled 3-layer student and the student + int8.

All four run in one process, interleaved (at batch size 1, each variant runs --block consecutive tweets in turn, in a
rotating order; --block 1 is strict round robin), with a fixed number of torch threads, on the TweetEval emotion test split. Printed: size (MB), parameters, latency per tweet at
batch size 1 (median, p95), throughput at batch size 32, accuracy and macro-F1, and ratios against the teacher measured
in the same run; first of all, the CPU and torch's CPU capability (int8 speed-ups depend on the instruction set).
The teacher and the student (distilled with the TweetEval sentiment tweets as an unlabelled transfer set, as in the notebook; --transfer none for the train split only) come from tweetlab's model cache (trained and cached
when absent: the first run takes a while). Needs TWEETLAB_DATA.
Usage: python benchmarks/compression.py [--n 0] [--runs 300] [--batch-runs 30] [--threads 1] [--block 1]
                                        [--transfer tweet_eval/sentiment] [--quick]
"""
import argparse
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import pandas as pd
import torch

from tweetlab.data.tweets import load_tweets, subsample
from tweetlab.app.course_models import get_distilled, get_finetuned
from tweetlab.compress.measure import benchmark, check_targets, cpu_info, cpu_line
from tweetlab.compress.quantize import quantize


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=0, help="stratified test subsample (0 = the whole test split, 1421 tweets)")
    ap.add_argument("--runs", type=int, default=300, help="single-tweet latency runs per variant")
    ap.add_argument("--batch-runs", type=int, default=30, help="batches of 32 per variant for throughput")
    ap.add_argument("--threads", type=int, default=1, help="torch.set_num_threads for the whole benchmark")
    ap.add_argument("--block", type=int, default=1, help="consecutive single tweets per variant in turn (1 = round robin)")
    ap.add_argument("--transfer", default="tweet_eval/sentiment", help="unlabelled transfer set for the student, or 'none'")
    ap.add_argument("--quick", action="store_true", help="use the quick (test-run) teacher and student: fast, not meaningful scores")
    args = ap.parse_args()
    if args.quick: os.environ["TWEETLAB_QUICK"] = "1"
    print(cpu_line({**cpu_info(), "torch_threads": args.threads}) if args.threads else cpu_line(), flush=True)  # the threads the benchmark runs with

    test = load_tweets("tweet_eval/emotion")["test"]
    if args.n: test = subsample(test, n=args.n)
    teacher_ft = get_finetuned("tweet_eval/emotion", progress=False)
    student_ft = get_distilled(teacher_ft, n_layers=3, transfer=None if args.transfer == "none" else args.transfer, progress=False)
    teacher, student = teacher_ft.model.cpu().eval(), student_ft.model.cpu().eval()
    variants = {"teacher": teacher, "int8": quantize(teacher), "student (3 layers)": student, "student + int8": quantize(student)}
    df = benchmark(variants, test, teacher_ft.tokenizer, n_runs=args.runs, n_batch_runs=args.batch_runs, threads=args.threads,
                   block=args.block)
    print(f"\nTweetEval emotion test ({df.attrs['n_test']} tweets); torch {torch.__version__}, threads {df.attrs['threads']}; "
          f"latency over {df.attrs['n_runs']} single tweets (blocks of {df.attrs['block']}), throughput over {df.attrs['n_batch_runs']} batches of 32; "
          "ratios against the teacher in this run (int8 sizes: torch.save of the state dict, see the notebook).")
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(df.set_index("model").round({"size_mb": 1, "latency_ms_p50": 2, "latency_ms_p95": 2, "throughput_per_s": 1,
                                           "accuracy": 3, "macro_f1": 3, "speedup": 2, "throughput_ratio": 2,
                                           "size_ratio": 2, "delta_macro_f1": 3}).to_string())
        print()
        print(check_targets(df, int8="int8", student="student (3 layers)").round(3).to_string(index=False))


if __name__ == "__main__":
    main()
