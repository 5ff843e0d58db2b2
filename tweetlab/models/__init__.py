"""Layer 6, models: the model families (fine-tuned, frozen-encoder probe, hybrid, ensemble) and the feature tables they share. Imports the layers below."""
