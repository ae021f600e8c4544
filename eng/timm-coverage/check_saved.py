"""Opens the folders Vit's SavePretrained wrote (TimmCoverageTests with VIT_TIMM_COVERAGE_SAVE set) with timm alone:
timm.create_model(architecture, pretrained_cfg=..., **model_args) as timm's hub loader builds it, load_state_dict(strict=True)
of model.safetensors, and the logits on the coverage input compared with timm's own (expected.safetensors of the
coverage folder). Prints one line per architecture and a summary.

  PYTHONPATH=/tmp/timm-src nice -n 10 python3 eng/timm-coverage/check_saved.py /tmp/timm-coverage /tmp/timm-coverage-saved
"""
import json
import os
import struct
import sys

import numpy as np
import torch

import timm

DTYPES = {"F32": np.float32, "I64": np.int64}


def load_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        array = np.frombuffer(data[begin:end], dtype=DTYPES[entry["dtype"]]).reshape(entry["shape"])
        out[name] = torch.from_numpy(array.copy())
    return out


def check(name, coverage, saved):
    config = json.load(open(os.path.join(saved, name, "config.json")))
    cfg = dict(config.get("pretrained_cfg", {}))
    cfg["num_classes"] = config["num_classes"]
    # weight_init="skip": the weights are loaded next; timm's init of large widths is only slow
    model = timm.create_model(config["architecture"], pretrained_cfg=cfg, weight_init="skip", **config.get("model_args", {})).eval()
    model.load_state_dict(load_safetensors(os.path.join(saved, name, "model.safetensors")), strict=True)
    expected = load_safetensors(os.path.join(coverage, name, "expected.safetensors"))
    with torch.no_grad():
        return (model(expected["input"]) - expected["logits"]).abs().max().item()


def main(coverage, saved):
    torch.set_num_threads(1)
    names = sorted(n for n in os.listdir(saved) if os.path.isdir(os.path.join(saved, n)))
    worst, failures = 0.0, {}
    for name in names:
        try:
            diff = check(name, coverage, saved)
            worst = max(worst, diff)
            print(f"{name}: {diff:.3g}", flush=True)
            if diff > 1e-4:
                failures[name] = f"logits differ by {diff:.3g}"
        except Exception as e:  # noqa: BLE001 - every failure is recorded
            failures[name] = f"{type(e).__name__}: {e}"
            print(f"{name}: FAILED {failures[name]}", flush=True)
    print(f"{len(names) - len(failures)} of {len(names)} folders written by Vit load in timm (strict) with logits within 1e-4; "
          f"worst {worst:.3g}; failures: {json.dumps(failures, indent=1)}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
