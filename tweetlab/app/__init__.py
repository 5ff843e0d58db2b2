"""Layer 8, app: the model families behind one protocol (backends), `TweetClassifier`, the cached course models, the demo and the `tweetlab` command. Imports the layers below."""
