"""tweetlab: classifying tweets (emotion and sentiment) with classic NLP and transformers.

The course lives in the notebooks and on the website; this package is the library they build. Start with
`load_tweets` (TweetEval, CARER, or your own CSV/TSV/parquet file) and the lessons' modules: `tweetlab.features`
(the classic baseline), `tweetlab.encoders` (frozen-encoder embeddings), `tweetlab.finetune`, `tweetlab.hybrid`,
`tweetlab.quantize` / `tweetlab.distill` (compression) and `tweetlab.transfer`. The plumbing they share (input checks,
the cache, batched inference, training) is in `tweetlab.api`; settings are in `tweetlab.config`."""
__version__ = "0.1.0"

from .data import load_tweets

__all__ = ["load_tweets"]
