"""Builds every ViT architecture of timm's vision_transformer.py and deit.py at depth 1 and writes one timm hub folder
per architecture: config.json (timm's save_config_for_hf, model_args = the create_model overrides), model.safetensors
(its state_dict) and expected.safetensors (`input` [2, C, 4p, 4p] and `logits` [2, 10], eval mode).

  timm.create_model(name, depth=1, num_classes=10, img_size=4 * patch)

Random init, then every parameter moved by N(0, 0.02) so zero/one inits (biases, norms, LayerScale) are really tested.
Architectures that fail to build are listed in failures.json. Needs torch (Debian's python3-torch 1.13 works) and
timm's source on PYTHONPATH; no network, no safetensors package (the files are written by hand below).

  git -C <timm mirror> archive HEAD timm | tar -x -C /tmp/timm-src
  PYTHONPATH=/tmp/timm-src nice -n 10 python3 eng/timm-coverage/make_folders.py /tmp/timm-coverage [name ...]
"""
import json
import os
import struct
import sys
import traceback
from pathlib import Path

import torch

import timm
from timm.models._hub import save_config_for_hf

DTYPES = {torch.float32: ("F32", 4), torch.int64: ("I64", 8)}


def save_safetensors(path, tensors):
    """The safetensors format: 8-byte little-endian header length, JSON header, raw little-endian data."""
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        t = t.detach().contiguous().cpu()
        code, size = DTYPES[t.dtype]
        data = t.numpy().tobytes()
        header[name] = {"dtype": code, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * ((8 - len(raw) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for b in blobs:
            f.write(b)


def make(name, root, table):
    patch = table[name].get("patch_size", 16)
    args = dict(depth=1, num_classes=10, img_size=4 * patch)
    torch.manual_seed(0)
    model = timm.create_model(name, **args).eval()
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.02)
        x = torch.randn(2, model.in_chans if hasattr(model, "in_chans") else 3, 4 * patch, 4 * patch)
        logits = model(x)
    folder = os.path.join(root, name)
    os.makedirs(folder, exist_ok=True)
    save_safetensors(os.path.join(folder, "model.safetensors"), model.state_dict())
    save_config_for_hf(model, Path(folder) / "config.json", model_args=args)
    save_safetensors(os.path.join(folder, "expected.safetensors"), {"input": x, "logits": logits})
    return sum(p.numel() for p in model.parameters())


def main(root, names):
    torch.set_num_threads(1)
    table = json.load(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src", "Vit.Core", "Timm", "TimmArchitectures.json")))["architectures"]
    names = names or sorted(table)
    os.makedirs(root, exist_ok=True)
    failures = {}
    for i, name in enumerate(names):
        try:
            count = make(name, root, table)
            print(f"{i + 1}/{len(names)} {name}: {count} parameters", flush=True)
        except Exception as e:  # noqa: BLE001 - every failure is recorded, the run goes on
            failures[name] = f"{type(e).__name__}: {e}"
            print(f"{i + 1}/{len(names)} {name}: FAILED {failures[name]}", flush=True)
            traceback.print_exc()
    with open(os.path.join(root, "failures.json"), "w") as f:
        json.dump(failures, f, indent=1)
    print(f"{len(names) - len(failures)} folders, {len(failures)} failures -> {root}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
