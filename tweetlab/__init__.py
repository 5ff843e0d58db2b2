"""Classifying tweets (emotion and sentiment) with classic NLP and transformers: a notebook course and its helper library

tweetlab is a course you run. Each numbered notebook teaches one step of building a tweet classifier on real
tweet corpora, exports the helpers it teaches into the `tweetlab` package, and is a page of this
website. Everything runs on a laptop CPU: the default encoder is a small (6-layer, 384-wide) sentence encoder
that ships inside a PyPI package.

## Your own tweets

`TweetClassifier` trains, predicts, evaluates, saves and loads with one set of verbs, and the `tweetlab` command does
the same with files ([Your own tweets](your_tweets.html) runs both):

```python
from tweetlab import TweetClassifier
clf = TweetClassifier().fit("my_tweets.csv")    # columns text and label; 10% held out for validation
clf.predict(["what a day!", "never again"])      # class names
clf.evaluate("my_test_tweets.csv")                # official metric, accuracy, macro-F1, per-class table
clf.calibrate()                                   # temperature fitted on validation: honest probabilities
clf.predict(["meh"], min_confidence=0.8)          # 'abstain' where the top probability is below 0.8
clf.explain("never again #fail")                  # word, score, class: why this prediction
clf.save("my_model")                              # weights, tokenizer, model card, metrics.json, plots
```

```bash
tweetlab train my_tweets.csv --out my_model [--calibrate]   # progress bar, then a results table
tweetlab predict my_model new_tweets.csv --out predictions.csv [--int8] [--min-confidence 0.8]
tweetlab evaluate my_model my_test_tweets.csv
tweetlab explain my_model "never again #fail"     # the tweet, with the words behind the prediction marked
tweetlab info my_model                             # the model card
```"""

__version__ = "0.1.0"

# The few names a user needs, loaded on first use so that `import tweetlab` and the `tweetlab` command start fast.
# (nbdev-export writes the docstring above from the index notebook's introduction; the rest of this file is kept.)
_PUBLIC = {"TweetClassifier": "app.classifier", "TrainConfig": "train.trainer", "PRESETS": "train.presets",
           "load_tweets": "data.tweets", "evaluate": "assess.metrics"}
__all__ = list(_PUBLIC)


def __getattr__(name: str):
    if name not in _PUBLIC: raise AttributeError(f"module 'tweetlab' has no attribute {name!r}")
    import importlib
    return getattr(importlib.import_module(f"tweetlab.{_PUBLIC[name]}"), name)


def __dir__() -> list: return sorted([*globals(), *_PUBLIC])
