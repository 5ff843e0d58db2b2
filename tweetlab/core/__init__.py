"""Layer 1, core: settings and seeds, input checks and the one input-error class, the cache and atomic writes, encoders and tokenizers from the Hub or a folder. Imports no other tweetlab layer."""
