"A tiny random BERT classifier (4 layers, hidden size 32) and a few tweets, shared by the compression tests: fast, offline."
import torch
from datasets import ClassLabel, Dataset, Features, Value

LABELS = ["anger", "joy", "optimism", "sadness"]
TEXTS = ["I am so angry right now!!", "what a lovely day :)", "things will get better, I know it", "miss you so much",
         "@user this is the worst service ever", "best concert of my life #happy", "tomorrow is a new start", "crying again"]


def tiny_classifier(tokenizer):
    "A randomly initialised 4-layer BERT sequence classifier over the four TweetEval emotion classes (seed 0)."
    from transformers import BertConfig, BertForSequenceClassification
    torch.manual_seed(0)
    cfg = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=4, num_attention_heads=4,
                     intermediate_size=64, max_position_embeddings=128, num_labels=4,
                     id2label=dict(enumerate(LABELS)), label2id={n: i for i, n in enumerate(LABELS)})
    return BertForSequenceClassification(cfg).eval()


def tiny_dataset(n=8):
    "n of the tweets (repeated as needed) with a ClassLabel."
    feats = Features({"text": Value("string"), "label": ClassLabel(names=LABELS)})
    return Dataset.from_dict({"text": (TEXTS * 4)[:n], "label": [i % 4 for i in range(n)]}, features=feats)


def tiny_batch(tokenizer):
    "The tweets as one padded batch of input_ids and attention_mask."
    enc = tokenizer(TEXTS, padding=True, return_tensors="pt")
    return {"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"]}
