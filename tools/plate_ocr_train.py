"""Fine-tuning of the PP-OCRv6 line recogniser on plate lines (``finetune_plate_ocr train``).

Runs in a training venv with torch 2.13.0, onnx 1.23.2 and onnx2torch 1.5.15 (none of them is a
runtime dependency). See ``finetune_plate_ocr.py`` for the method.
"""

from __future__ import annotations

import json
import math
import random
import time
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx2torch import convert
from torch import nn

SERIAL = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
SEPARATORS = "-.·•:|/*"  # kept as classes so that a separator is not forced onto a character
HEIGHT, WIDTH = 48, 320  # ocr.py pads every line batch to at least 320 px
Line = tuple[np.ndarray, str]


def load_stock(path: Path) -> tuple[torch.fx.GraphModule, list[str]]:
    """The stock recogniser as torch (explicit padding) and its vocabulary (blank first)."""
    model = onnx.load(str(path))
    for node in model.graph.node:
        for attribute in list(node.attribute):
            if attribute.name == "auto_pad" and attribute.s == b"SAME_UPPER":
                # only 2x2, stride-1 convolutions and a max-pool use it: pad 1 after, 0 before
                node.attribute.remove(attribute)
                node.attribute.append(onnx.helper.make_attribute("pads", [0, 0, 1, 1]))
    meta = {p.key: p.value for p in model.metadata_props}
    vocab = ["<blank>", *meta["character"].splitlines(), " "]
    return convert(model), vocab


def cut_to_plate_classes(graph: torch.fx.GraphModule, vocab: list[str]) -> list[str]:
    """Drop the final softmax (CTC takes logits), keep the plate classes, make weights trainable.

    Returns the kept characters (without blank and the trailing space), in output order.
    """
    keep = list(SERIAL) + [c for c in SEPARATORS if c in vocab]
    columns = [0] + [vocab.index(c) for c in keep] + [len(vocab) - 1]
    output = list(graph.graph.nodes)[-1]
    softmax = output.args[0]
    output.args = (softmax.args[0],)
    graph.graph.erase_node(softmax)
    graph.recompile()
    initializers = graph.initializers
    add = output.args[0]
    while len(add.args) == 1:  # identity copies between the output layer and the output
        add = add.args[0]
    matmul, bias = add.args  # logits = x @ W + b
    weight_name = matmul.args[1].target.split(".")[-1]
    bias_name = bias.target.split(".")[-1]
    shapes = getattr(initializers, weight_name).shape, getattr(initializers, bias_name).shape
    assert shapes[0][-1] == shapes[1][-1] == len(vocab), shapes
    for name, buffer in list(initializers.named_buffers(recurse=False)):
        if not buffer.dtype.is_floating_point or buffer.numel() <= 1:
            continue  # shapes and scalars stay constants
        data = buffer.detach().clone()
        if name == weight_name:
            data = data[:, columns].contiguous()
        elif name == bias_name:
            data = data[columns].contiguous()
        delattr(initializers, name)
        initializers.register_parameter(name, nn.Parameter(data))
    return keep


def load_lines(path: Path) -> list[Line]:
    with np.load(path) as archive:
        labels = [str(label) for label in archive["labels"]]
        return [(archive[f"i{i}"], label) for i, label in enumerate(labels)]


def to_batch(lines: list[Line], rng: random.Random | None) -> torch.Tensor:
    """Lines left-aligned on a mid-grey 48 x 320 canvas, as ``ocr.py`` batches them."""
    batch = np.zeros((len(lines), 3, HEIGHT, WIDTH), np.float32)
    for i, (image, _) in enumerate(lines):
        pixels = image.astype(np.float32)
        if rng is not None:  # contrast and brightness on top of the lines' own degradation
            pixels = np.clip(pixels * rng.uniform(0.7, 1.2) + rng.uniform(-25, 25), 0, 255)
        batch[i, :, :, : pixels.shape[1]] = pixels.transpose(2, 0, 1) / 127.5 - 1.0
    return torch.from_numpy(batch)


def greedy(logits: torch.Tensor, keep: list[str]) -> list[str]:
    texts = []
    for row in logits.argmax(-1).tolist():
        chars, previous = [], 0
        for k in row:
            if k != previous and 1 <= k <= len(keep) and keep[k - 1] in SERIAL:
                chars.append(keep[k - 1])
            previous = k
        texts.append("".join(chars).replace("O", "0"))
    return texts


def line_accuracy(graph: nn.Module, lines: list[Line], keep: list[str]) -> float:
    graph.eval()
    hits = 0
    with torch.no_grad():
        for start in range(0, len(lines), 32):
            chunk = lines[start : start + 32]
            predicted = greedy(graph(to_batch(chunk, None)), keep)
            hits += sum(p == text for p, (_, text) in zip(predicted, chunk, strict=True))
    return hits / max(1, len(lines))


def export(graph: nn.Module, keep: list[str], path: Path, info: dict[str, object]) -> None:
    class Softmaxed(nn.Module):
        def __init__(self, inner: nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.inner(x).softmax(-1)

    graph.eval()
    torch.onnx.export(
        Softmaxed(graph), (torch.zeros(1, 3, HEIGHT, WIDTH),), str(path),
        input_names=["x"], output_names=["probs"],
        dynamic_axes={"x": {0: "batch", 3: "width"}, "probs": {0: "batch", 1: "steps"}},
        opset_version=17, dynamo=False,
    )  # fmt: skip
    proto = onnx.load(str(path))
    meta = {"character": "\n".join(keep)} | {k: json.dumps(v) for k, v in info.items()}
    for key, value in meta.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(proto, str(path))


def ctc_step(
    graph: nn.Module, lines: list[Line], keep: list[str], rng: random.Random
) -> torch.Tensor:
    index = {c: i + 1 for i, c in enumerate(keep)}
    log_probs = graph(to_batch(lines, rng)).log_softmax(-1).permute(1, 0, 2)  # T x B x C
    targets = torch.tensor([index[c] for _, text in lines for c in text])
    lengths = torch.tensor([len(text) for _, text in lines])
    steps = torch.full((len(lines),), log_probs.shape[0], dtype=torch.long)
    return nn.functional.ctc_loss(log_probs, targets, steps, lengths, zero_infinity=True)


def train_and_export(
    train_files: list[Path], synthetic_files: list[Path], synthetic_share: float, val_file: Path,
    rec: Path, out: Path, minutes: float, lr: float, threads: int, seed: int,
) -> None:  # fmt: skip
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    rng = random.Random(seed)
    graph, vocab = load_stock(rec)
    keep = cut_to_plate_classes(graph, vocab)
    train = [line for path in train_files for line in load_lines(path)]
    synthetic = [line for path in synthetic_files for line in load_lines(path)]
    val = load_lines(val_file)
    before = line_accuracy(graph, val, keep)
    print(f"{len(train)} real and {len(synthetic)} synthetic train lines, {len(val)} held-out; "
          f"stock model {before:.4f}", flush=True)  # fmt: skip
    n_synthetic = round(16 * synthetic_share) if synthetic else 0
    optimiser = torch.optim.AdamW(graph.parameters(), lr=lr, weight_decay=1e-4)
    started, step, best = time.monotonic(), 0, before
    while (elapsed := time.monotonic() - started) < minutes * 60:
        cosine = 0.5 * (1 + math.cos(math.pi * elapsed / (minutes * 60)))
        for group in optimiser.param_groups:
            group["lr"] = lr * min(1.0, (step + 1) / 50) * (0.05 + 0.95 * cosine)
        graph.train()
        for module in graph.modules():  # batch-norm statistics stay the stock model's
            if isinstance(module, nn.modules.batchnorm._BatchNorm):
                module.eval()
        batch = rng.sample(train, 16 - n_synthetic) + rng.sample(synthetic, n_synthetic)
        loss = ctc_step(graph, batch, keep, rng)
        optimiser.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(graph.parameters(), 5.0)
        optimiser.step()
        step += 1
        if step % 100 == 0:
            accuracy = line_accuracy(graph, val, keep)
            print(f"step {step} {elapsed / 60:.1f} min loss {loss.item():.3f} "
                  f"held-out {accuracy:.4f}", flush=True)  # fmt: skip
            if accuracy > best:
                best = accuracy
                info = {"step": step, "val_line_acc": round(accuracy, 4)}
                info |= {"val_line_acc_stock": round(before, 4), "val_n": len(val)}
                export(graph, keep, out, info)
    print(f"done: {step} steps, best held-out line accuracy {best:.4f}", flush=True)
