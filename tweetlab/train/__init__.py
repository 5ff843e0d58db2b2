"""Layer 4, train: batched inference and the trained-model record, `TrainConfig` and the `Trainer` plumbing. Imports the layers below."""
