"""Layer 5, assess: metrics, calibration and risk-coverage, word-level explanations; functions of predictions, so every model family can use them. Imports the layers below."""
