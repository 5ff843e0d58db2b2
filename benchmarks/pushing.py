"""Pushing accuracy, end to end: the recipe of the "Pushing accuracy" lesson, repeated for three seeds, scored once on test.

For each seed, `tweetlab.app.course_models.push_recipe` gives (from tweetlab's model cache, or trained now and cached): the encoder
fine-tuned on CARER (2 epochs), its encoder fine-tuned on TweetEval emotion, the encoder fine-tuned on TweetEval emotion
directly, the classic baseline, their ensemble (classic share chosen on validation) and the ensemble distilled into one
6-layer model. Printed: the CPU line; per seed and row, test macro-F1 and accuracy, training CPU-minutes (processor
time over all cores, every model the row needs) and milliseconds per tweet to predict the test split; then mean ± sd over seeds and each row's
gain and cost ratio against the plain fine-tuned model of the same run; and the CARER test accuracy of the CARER stage.
With --fresh, the cache is a new empty folder, so every model is trained in this run (about an hour per seed on a
2-core CPU); without it, cached models are reused and only the scoring runs. Needs TWEETLAB_DATA.
Usage: python benchmarks/pushing.py [--seeds 42 43 44] [--fresh] [--quick]
"""
import argparse
import os
import tempfile
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, f1_score


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[42, 43, 44])
    ap.add_argument("--fresh", action="store_true", help="train everything now, in an empty cache folder")
    ap.add_argument("--quick", action="store_true", help="the quick (test-run) recipe on samples: fast, not meaningful scores")
    args = ap.parse_args()
    if args.fresh: os.environ["TWEETLAB_CACHE"] = tempfile.mkdtemp(prefix="tweetlab-push-")
    from tweetlab import TweetClassifier, load_tweets
    from tweetlab.compress.measure import cpu_line
    from tweetlab.data.tweets import subsample
    from tweetlab.app.course_models import QUICK_FINETUNE, QUICK_PUSH_DISTIL, push_recipe
    print(cpu_line(), flush=True)
    test = load_tweets("tweet_eval/emotion")["test"]
    carer_test = load_tweets("emotion")["test"]
    if args.quick: test, carer_test = subsample(test, n=300), subsample(carer_test, n=300)
    texts, y = list(test["text"]), np.asarray(test["label"])
    rows = []
    for s in args.seeds:
        start = time.perf_counter()
        r = push_recipe(s, finetune=QUICK_FINETUNE if args.quick else None, distil=QUICK_PUSH_DISTIL if args.quick else None)
        built = (time.perf_counter() - start) / 60
        clf = lambda m: TweetClassifier.from_model(m.model, m.tokenizer, "tweet_eval/emotion")
        t = {k: r[k].info["cpu_seconds"] / 60 for k in ("carer", "carer_then_tweeteval", "finetuned")}
        c = r["classic"].info["fit_seconds"] / 60                  # wall time (the classic fit runs mostly on one core)
        both = t["finetuned"] + t["carer"] + t["carer_then_tweeteval"] + c
        systems = {"classic baseline": (r["classic"], c), "fine-tuned": (clf(r["finetuned"]), t["finetuned"]),
                   "CARER, then TweetEval": (clf(r["carer_then_tweeteval"]), t["carer"] + t["carer_then_tweeteval"]),
                   "ensemble (best system)": (r["ensemble"], both),
                   "distilled student": (clf(r["student"]), both + r["student"].info["total_cpu_seconds"] / 60)}
        for name, (m, minutes) in systems.items():
            t0 = time.perf_counter()
            pred = m.predict_proba(texts).to_numpy().argmax(1)
            ms = (time.perf_counter() - t0) / len(texts) * 1000
            rows.append({"seed": s, "model": name, "macro_f1": f1_score(y, pred, average="macro"), "accuracy": accuracy_score(y, pred),
                         "train_cpu_min": minutes, "ms_per_tweet": ms})
        carer = clf(r["carer"]).evaluate(carer_test, split="test")
        print(f"seed {s}: models ready in {built:.1f} min; classic share {r['weight']:.2f}; CARER stage: test accuracy "
              f"{carer['accuracy']:.3f}, macro-F1 {carer['macro_f1']:.3f}", flush=True)
    df = pd.DataFrame(rows)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(f"\nTweetEval emotion test ({len(texts)} tweets), per seed:")
        print(df.pivot(index="model", columns="seed", values="macro_f1").round(3).to_string())
        g = df.groupby("model", sort=False)
        out = pd.DataFrame({"macro_f1_mean": g["macro_f1"].mean(), "macro_f1_sd": g["macro_f1"].std(ddof=1), "accuracy": g["accuracy"].mean(),
                            "train_cpu_min": g["train_cpu_min"].mean(), "ms_per_tweet": g["ms_per_tweet"].mean()})
        base = out.loc["fine-tuned"]
        out["gain_vs_finetuned"] = out["macro_f1_mean"] - base["macro_f1_mean"]
        out["train_cost_x"] = out["train_cpu_min"] / base["train_cpu_min"]
        out["predict_cost_x"] = out["ms_per_tweet"] / base["ms_per_tweet"]
        print(f"\nMean over seeds {args.seeds}; ratios against the plain fine-tuned model of this run:")
        print(out.round(3).to_string())


if __name__ == "__main__":
    main()
