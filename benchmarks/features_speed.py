"""Speed of `tweetlab.features.handcrafted.TweetFeatures` against a straightforward per-row implementation of the same features.

Data: the CARER training split (16,000 tweets, `load_tweets('emotion')['train']`; needs TWEETLAB_DATA).
Baseline: a Python loop, one tweet at a time, as a notebook would write it: regexes, dictionary look-ups per word
for AFINN / NRC / tweetlab's lists, `vaderSentiment` and `textstat` called once per tweet.
Both run in the same process; the script checks that they give the same numbers, then prints absolute times and
the ratio, for (a) the subset counts + AFINN + NRC + readability and (b) the full default feature set; the first line
names the CPU and torch's CPU capability.

    python benchmarks/features_speed.py [--n 16000] [--repeat 1]
"""
import argparse
import html
import os
import re
import sys
import time

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1"); os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

import emoji  # noqa: E402
import textstat  # noqa: E402
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer  # noqa: E402

from tweetlab.compress.measure import cpu_line  # noqa: E402
from tweetlab.data.tweets import load_tweets  # noqa: E402
from tweetlab.features.handcrafted import LINK_RE, WORD_RE, TweetFeatures, lookup_word  # noqa: E402
from tweetlab.features.lexicons import NRC_EMOTIONS, load_cmudict, load_lexicon, offline_textstat, syllable_count  # noqa: E402
from tweetlab.features.text import ALL_CAPS_RE, ELONGATED_RE, EMOTICON_RE, HASHTAG_RE, MENTION_RE, URL_RE  # noqa: E402

_LINK_TOKEN_RE = re.compile(URL_RE.pattern + r"|(?<!\S)http(?!\S)", re.IGNORECASE)


class PerRow:
    "The same features, one tweet at a time."
    def __init__(self):
        offline_textstat()
        self.afinn = load_lexicon("afinn")["score"].astype(float).to_dict()
        nrc = load_lexicon("nrc")
        self.nrc = {t: [e for e in NRC_EMOTIONS if row[e]] for t, row in nrc.iterrows()}
        self.neg = dict.fromkeys(load_lexicon("negators").index, 1)
        w = load_lexicon("intensifiers")["weight"]
        self.boost, self.damp = dict.fromkeys(w.index[w > 0], 1), dict.fromkeys(w.index[w < 0], 1)
        self.slang = dict.fromkeys(load_lexicon("slang").index, 1)
        self.emo_val = load_lexicon("emoticons")["valence"].to_dict()
        self.vader = SentimentIntensityAnalyzer()

    def row(self, text: str, full: bool) -> dict:
        clean = html.unescape(text) if "&" in text else text
        clean = MENTION_RE.sub(" ", LINK_RE.sub(" ", clean)).replace("\u2019", "'")
        words = WORD_RE.findall(clean.lower())
        n = len(words)
        f = {"n_chars": len(text), "n_words": n, "mean_word_len": sum(map(len, words)) / n if n else 0.0,
             "unique_ratio": len(set(words)) / n if n else 0.0, "n_sentences": textstat.sentence_count(clean)}
        if full:
            blanked = MENTION_RE.sub(" ", URL_RE.sub(" ", text))
            letters = sum(c.isalpha() for c in text)
            emos = EMOTICON_RE.findall(URL_RE.sub(" ", text))
            f.update({"exclamations": text.count("!"), "questions": text.count("?"),
                      "caps_ratio": sum(c.isupper() for c in text) / letters if letters else 0.0,
                      "all_caps": len(ALL_CAPS_RE.findall(blanked)), "elongated": len(ELONGATED_RE.findall(blanked)),
                      "hashtags": len(HASHTAG_RE.findall(text)), "mentions": len(MENTION_RE.findall(text)),
                      "links": len(_LINK_TOKEN_RE.findall(text)), "emoji": emoji.emoji_count(text),
                      "emoticons": len(EMOTICON_RE.findall(blanked)), "emoticon_valence": sum(self.emo_val.get(e, 0) for e in emos),
                      "negators": sum(lookup_word(w, self.neg) is not None for w in words),
                      "intensifiers": sum(lookup_word(w, self.boost) is not None for w in words),
                      "diminishers": sum(lookup_word(w, self.damp) is not None for w in words),
                      "slang": sum(lookup_word(w, self.slang) is not None for w in words)})
        scores = [s for s in (lookup_word(w, self.afinn) for w in words) if s is not None]
        f.update({"afinn_sum": sum(scores), "afinn_mean": sum(scores) / len([s for s in scores if s != 0]) if any(scores) else 0.0,
                  "afinn_max": max([0.0, *scores]), "afinn_min": min([0.0, *scores]),
                  "afinn_pos": sum(s > 0 for s in scores), "afinn_neg": sum(s < 0 for s in scores)})
        counts = dict.fromkeys(NRC_EMOTIONS, 0)
        for w in words:
            for e in lookup_word(w, self.nrc) or (): counts[e] += 1
        f.update({f"nrc_{e}": c / n if n else 0.0 for e, c in counts.items()})
        if full:
            v = self.vader.polarity_scores(text)
            f.update({"vader_neg": v["neg"], "vader_neu": v["neu"], "vader_pos": v["pos"], "vader_compound": v["compound"]})
        f.update({"flesch": textstat.flesch_reading_ease(clean), "smog": textstat.smog_index(clean),
                  "dale_chall": textstat.dale_chall_readability_score(clean)})
        return f

    def __call__(self, texts, full: bool, names) -> np.ndarray:
        rows = [self.row(t, full) for t in texts]
        return np.array([[r[c] for c in names] for r in rows], dtype=float)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=16000, help="number of CARER training tweets (default: all 16,000)")
    ap.add_argument("--repeat", type=int, default=1, help="repeat each timing and keep the best")
    args = ap.parse_args(argv)
    if not os.environ.get("TWEETLAB_DATA"): sys.exit("Set TWEETLAB_DATA to the folder with the CARER files (emotion/train.txt).")
    print(cpu_line(), flush=True)
    texts = list(load_tweets("emotion")["train"]["text"])[: args.n]
    print(f"CARER train: {len(texts)} tweets; python {sys.version.split()[0]}; {os.cpu_count()} CPUs")
    t0 = time.perf_counter(); base = PerRow(); TweetFeatures().fit(); load_cmudict(); textstat.syllable_count("warm up")
    print(f"lexicons + CMU dictionary loaded once: {time.perf_counter() - t0:.2f} s (not timed below)")
    cases = [("counts + AFINN + NRC + readability", dict(blocks=("counts", "afinn", "nrc", "readability")), False),
             ("full default feature set (exact VADER)", dict(), True),
             ("full default feature set (VADER from its lexicon)", dict(vader="lexicon"), None)]
    results, ref_full = [], None
    for label, kw, full in cases:
        tf = TweetFeatures(**kw).fit()
        names = list(tf.get_feature_names_out())
        t_vec = min(_timed(lambda: tf.transform(texts), syllable_count.cache_clear) for _ in range(args.repeat))  # no warm per-word cache
        X_vec = tf.transform(texts)
        if full is None:  # no per-row twin: VADER's lexicon approximation only exists vectorised
            print(f"\n{label}: {len(names)} features\n  tweetlab TweetFeatures: {t_vec:6.2f} s  ({len(texts) / t_vec:,.0f} tweets/s)")
            results.append((label, t_vec, ref_full, ref_full / t_vec)); continue
        t_row = min(_timed(lambda: base(texts, full, names)) for _ in range(args.repeat))
        X_row = base(texts, full, names)
        diff = np.abs(X_vec - X_row).max(axis=0)
        worst = names[int(diff.argmax())]
        print(f"\n{label}: {len(names)} features; max |difference| per-row vs vectorised = {diff.max():.2e} ({worst})")
        assert diff.max() < 1e-6, f"the two implementations disagree on {worst}: max difference {diff.max()}"
        print(f"  per-row loop:           {t_row:6.2f} s  ({len(texts) / t_row:,.0f} tweets/s)")
        print(f"  tweetlab TweetFeatures: {t_vec:6.2f} s  ({len(texts) / t_vec:,.0f} tweets/s)")
        print(f"  speed-up: {t_row / t_vec:.1f}x  (per-row time / vectorised time)")
        results.append((label, t_vec, t_row, t_row / t_vec))
        if full: ref_full = t_row
    print("\nsummary (seconds; target: full set <= 10 s and never slower than the per-row loop)")
    for label, tv, tr, r in results:
        print(f"  {label:52s} vectorised {tv:6.2f}   per-row {tr:6.2f}   ratio {r:5.1f}x")
    ok = all(tv <= 10 and r >= 1 for _, tv, _, r in results)
    print("target met" if ok else "TARGET MISSED")
    return 0 if ok else 1


def _timed(fn, setup=None) -> float:
    if setup: setup()
    t0 = time.perf_counter(); fn(); return time.perf_counter() - t0


if __name__ == "__main__":
    sys.exit(main())
