"""Layer 4, train: batched inference and the trained-model record, `TrainConfig` and the `Trainer` plumbing, the named recipes (`PRESETS`). Imports the layers below."""
