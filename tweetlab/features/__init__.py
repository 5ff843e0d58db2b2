"""Layer 3, features: tweet text, lexicons, hand-crafted features and the classic baseline, frozen-encoder embeddings and pooling. Imports core and data."""
