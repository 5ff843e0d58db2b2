"""Layer 7, compress: measuring size and speed, int8, pruning, ONNX, distillation. Imports the layers below."""
