"""Builds every ViT architecture of timm's vision_transformer.py and deit.py at depth 1 and writes one timm hub folder
per architecture: config.json (timm's save_config_for_hf, model_args = the create_model overrides), model.safetensors
(its state_dict), expected.safetensors (`input` [2, C, 4p, 4p] and `logits` [2, 10], eval mode) and case.json (the
parameter count and number of prefix tokens timm's model has).

  timm.create_model(name, depth=1, num_classes=10, img_size=4 * patch)

Weights: every parameter N(0, 0.02), norm weights 1 + N(0, 0.02) (timm's init is skipped: it is the slow part on big
widths and would be replaced anyway). Architectures run smallest first (by embed_dim).
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
    patch = table[name]["args"].get("patch_size", 16)
    args = dict(depth=1, num_classes=10, img_size=4 * patch)
    torch.manual_seed(0)
    # weight_init='skip': timm's own init (trunc-normal over tens of millions of weights) is the slow part and is
    # replaced anyway: every parameter N(0, 0.02), norm weights 1 + N(0, 0.02), so no zero/one init hides a bug.
    model = timm.create_model(name, weight_init="skip", **args).eval()
    with torch.no_grad():
        for n, p in model.named_parameters():
            p.normal_(0, 0.02)
            if "norm" in n and n.endswith(".weight"):
                p.add_(1.0)
        x = torch.randn(2, model.in_chans if hasattr(model, "in_chans") else 3, 4 * patch, 4 * patch)
        logits = model(x)
    folder = os.path.join(root, name)
    os.makedirs(folder, exist_ok=True)
    save_safetensors(os.path.join(folder, "model.safetensors"), model.state_dict())
    save_config_for_hf(model, Path(folder) / "config.json", model_args=args)
    save_safetensors(os.path.join(folder, "expected.safetensors"), {"input": x, "logits": logits})
    count = sum(p.numel() for p in model.parameters())
    case = {"architecture": name, "model_args": args, "parameters": count, "num_prefix_tokens": model.num_prefix_tokens,
            "timm_version": timm.__version__, "torch_version": torch.__version__}
    with open(os.path.join(folder, "case.json"), "w") as f:
        json.dump(case, f, indent=1)
    return count


def main(root, names):
    torch.set_num_threads(1)
    table = json.load(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src", "Vit.Core", "Timm", "TimmArchitectures.json")))["architectures"]
    names = names or sorted(table, key=lambda n: (table[n]["args"].get("embed_dim", 768), n))
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
