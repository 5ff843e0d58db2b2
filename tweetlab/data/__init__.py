"""Layer 2, data: the dataset registry with each dataset's official metric, file readers, labels and class names, `load_tweets`. Imports only core."""
