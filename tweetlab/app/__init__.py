"""Layer 8, app: `TweetClassifier`, the cached course models, the demo and the `tweetlab` command. Imports the layers below."""
