"""Train plateledger's small plate recogniser (CRNN + CTC, with an issuing-state head); export ONNX.

Training data: synthetic plates rendered with PIL (``plate_synth.py``) and the real labelled
tight crops of ``shared/data/plates/us-crops`` (openalpr/benchmarks ``seg_and_ocr``, AGPL-3.0).
Held out, never trained on:

* every us-crops image whose plate text also appears in an evaluation set (``--exclude-labels``,
  e.g. the us-dev labels: one plate, ``9185914``, is in both);
* a fixed validation fifth of us-crops (``crc32(file name) % 5 == 0``), on which the plate and
  state accuracy are reported.

Run in its own venv (torch is not a runtime dependency; runtime is onnxruntime only)::

    python3.11 -m venv /tmp/trainvenv
    /tmp/trainvenv/bin/pip install torch==2.13.0 numpy pillow onnx
    /tmp/trainvenv/bin/python tools/train_recogniser.py --crops ../shared/data/plates/us-crops \\
        --exclude-labels ../shared/data/plates/us-dev --minutes 60 --threads 1 \\
        --out src/plateledger/recognize/models/plate_recogniser.onnx
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import random
import time
import zlib
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from plate_synth import ALPHABET, as_array, augment, excluded_plates, render_plate
from torch import nn

IN_W, IN_H = 128, 48
BLANK = 0  # class 0 is the CTC blank; class i + 1 is ALPHABET[i]


class Crnn(nn.Module):
    """Conv feature extractor to a 32-step sequence, BiLSTM, per-step classes; a state head."""

    def __init__(self, n_states: int) -> None:
        super().__init__()

        def block(cin: int, cout: int, pool: tuple[int, int] | None) -> list[nn.Module]:
            layers: list[nn.Module] = [
                nn.Conv2d(cin, cout, 3, padding=1, bias=False),
                nn.BatchNorm2d(cout),
                nn.ReLU(inplace=True),
            ]
            if pool:
                layers.append(nn.MaxPool2d(pool, pool))
            return layers

        self.features = nn.Sequential(
            *block(3, 16, (2, 2)),  # 24 x 64
            *block(16, 32, (2, 2)),  # 12 x 32
            *block(32, 64, (2, 1)),  # 6 x 32
            *block(64, 96, None),
            *block(96, 128, (2, 1)),  # 3 x 32
        )
        self.collapse = nn.Sequential(nn.Conv2d(128, 160, (3, 1)), nn.ReLU(inplace=True))
        self.rnn = nn.LSTM(160, 96, bidirectional=True, batch_first=True)
        self.classes = nn.Linear(192, len(ALPHABET) + 1)
        self.state = nn.Sequential(nn.Dropout(0.2), nn.Linear(128 * 2, n_states))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        f = self.features(x)
        pooled = torch.cat([f.mean(dim=(2, 3)), f.amax(dim=(2, 3))], dim=1)
        seq = self.collapse(f).squeeze(2).permute(0, 2, 1)  # B x 32 x 160
        seq, _ = self.rnn(seq)
        return self.classes(seq), self.state(pooled)


def to_tensor(batch: list[np.ndarray]) -> torch.Tensor:
    array = np.stack(batch).astype(np.float32) / 127.5 - 1.0
    return torch.from_numpy(array).permute(0, 3, 1, 2).contiguous()


Crop = tuple[np.ndarray, str, str]  # RGB array 160 px wide, serial, state


def load_crops(folder: Path, excluded: set[str]) -> tuple[list[Crop], list[Crop], int]:
    train, val, dropped = [], [], 0
    with open(folder / "groundtruth.csv", newline="") as handle:
        for name, state, plate in csv.reader(handle):
            text = "".join(c for c in plate.upper() if c.isalnum()).replace("O", "0")
            if not 2 <= len(text) <= 8:
                continue
            if text in excluded:
                dropped += 1
                continue
            with Image.open(folder / name) as image:
                item = (as_array(image), text, state.upper())
            (val if zlib.crc32(name.encode()) % 5 == 0 else train).append(item)
    return train, val, dropped


def greedy(logits: torch.Tensor) -> list[str]:
    best = logits.argmax(-1).tolist()
    out = []
    for row in best:
        chars, prev = [], BLANK
        for k in row:
            if k not in (BLANK, prev):
                chars.append(ALPHABET[k - 1])
            prev = k
        out.append("".join(chars))
    return out


def evaluate(
    model: Crnn, val: list[Crop], states: list[str], rng: random.Random
) -> tuple[float, float]:
    model.eval()
    hits = state_hits = 0
    with torch.no_grad():
        for start in range(0, len(val), 64):
            chunk = val[start : start + 64]
            batch = [augment(rng, image, IN_W, IN_H) for image, _, _ in chunk]
            logits, state_logits = model(to_tensor(batch))
            for text, (_, truth, state), s in zip(
                greedy(logits), chunk, state_logits.argmax(-1).tolist(), strict=True
            ):
                hits += text == truth
                state_hits += states[s] == state
    model.train()
    return hits / max(1, len(val)), state_hits / max(1, len(val))


def export(model: Crnn, states: list[str], path: Path, info: dict[str, object]) -> None:
    import onnx

    model.eval()
    wrapper = _Softmaxed(model)
    dummy = torch.zeros(1, 3, IN_H, IN_W)
    torch.onnx.export(
        wrapper, (dummy,), str(path), input_names=["image"], output_names=["chars", "state"],
        dynamic_axes={"image": {0: "batch"}, "chars": {0: "batch"}, "state": {0: "batch"}},
        opset_version=17, dynamo=False,
    )  # fmt: skip
    proto = onnx.load(str(path))
    meta = {"alphabet": ALPHABET, "states": ",".join(states), "input": f"{IN_W}x{IN_H}"}
    meta |= {k: json.dumps(v) for k, v in info.items()}
    for key, value in meta.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, str(value)
    onnx.save(proto, str(path))
    model.train()


class _Softmaxed(nn.Module):
    def __init__(self, model: Crnn) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        chars, state = self.model(x)
        return chars.softmax(-1), state.softmax(-1)


def sample_batch(
    rng: random.Random,
    train: list[Crop],
    synthetic: list[tuple[np.ndarray, str]],
    states: list[str],
    size: int,
    real_share: float,
) -> tuple[torch.Tensor, list[str], torch.Tensor]:
    """Augmented images, their serials, and state targets (-100: synthetic, no state)."""
    images, texts, state_ids = [], [], []
    for _ in range(size):
        if rng.random() < real_share:
            image, text, state = rng.choice(train)
            state_ids.append(states.index(state))
        else:
            image, text = rng.choice(synthetic)
            state_ids.append(-100)
        images.append(augment(rng, image, IN_W, IN_H))
        texts.append(text)
    return to_tensor(images), texts, torch.tensor(state_ids)


def batch_loss(
    model: Crnn, images: torch.Tensor, texts: list[str], state: torch.Tensor
) -> torch.Tensor:
    """CTC loss on the serial plus 0.3 x cross-entropy on the state (real crops only)."""
    logits, state_logits = model(images)
    log_probs = logits.log_softmax(-1).permute(1, 0, 2)  # T x B x C
    targets = torch.tensor([ALPHABET.index(c) + 1 for t in texts for c in t])
    lengths = torch.tensor([len(t) for t in texts])
    steps = torch.full((len(texts),), log_probs.shape[0], dtype=torch.long)
    loss = nn.functional.ctc_loss(
        log_probs, targets, steps, lengths, blank=BLANK, zero_infinity=True
    )
    if (state >= 0).any():
        loss = loss + 0.3 * nn.functional.cross_entropy(state_logits, state, ignore_index=-100)
    return loss


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--crops", type=Path, required=True)
    parser.add_argument("--exclude-labels", type=Path, nargs="*", default=[])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--real-share", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--synthetic", type=int, default=8000)
    parser.add_argument("--eval-every", type=int, default=500)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    train, val, dropped = load_crops(args.crops, excluded_plates(args.exclude_labels))
    states = sorted({s for _, _, s in train + val})
    print(f"real crops: {len(train)} train, {len(val)} validation, {dropped} excluded", flush=True)
    synthetic = []  # re-augmented every use
    for _ in range(args.synthetic):
        image, text = render_plate(rng)
        synthetic.append((as_array(image), text))
    print(f"synthetic plates: {len(synthetic)}", flush=True)
    model = Crnn(len(states))
    optimiser = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-4)
    deadline = time.monotonic() + args.minutes * 60
    started, step, best = time.monotonic(), 0, -1.0
    while time.monotonic() < deadline:
        progress = (time.monotonic() - started) / (args.minutes * 60)
        for group in optimiser.param_groups:  # warm-up, then cosine decay to 2 % over the budget
            warm = min(1.0, (step + 1) / 300)
            cosine = 0.5 * (1 + math.cos(math.pi * min(progress, 1.0)))
            group["lr"] = 2e-3 * warm * (0.02 + 0.98 * cosine)
        batch = sample_batch(rng, train, synthetic, states, args.batch, args.real_share)
        loss = batch_loss(model, *batch)
        optimiser.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        optimiser.step()
        step += 1
        if step % args.eval_every == 0:
            acc, state_acc = evaluate(model, val, states, random.Random(1))
            minutes = (time.monotonic() - started) / 60
            print(f"step {step} {minutes:.1f} min loss {loss.item():.3f} "
                  f"val plate {acc:.3f} state {state_acc:.3f}", flush=True)  # fmt: skip
            if acc >= best:
                best = acc
                info = {"step": step, "val_plate_acc": round(acc, 4)}
                info |= {"val_state_acc": round(state_acc, 4), "val_n": len(val)}
                export(model, states, args.out, info)
    print(f"done: {step} steps, best validation plate accuracy {best:.3f}", flush=True)


if __name__ == "__main__":
    main()
