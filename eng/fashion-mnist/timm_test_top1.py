"""Scores a Fashion-MNIST sample run folder with timm alone: timm.create_model(architecture, **model_args) (with a
convolutional stem, vit_options.stem_*: embed_layer=HybridEmbed around timm's ConvStem, which a JSON config cannot
name), load_state_dict(strict=True) of model.safetensors, then top-1 on the official 10,000 test images, normalised with the
folder's pretrained_cfg mean/std and centred in the model's input (zero padding after normalisation, as the sample
does). The sample's last line (test_top1=...) should print the same figure.

  PYTHONPATH=/tmp/timm-src /usr/bin/python3 eng/fashion-mnist/timm_test_top1.py runs/<run> data/fashion-mnist
"""
import gzip
import json
import os
import struct
import sys

import numpy as np
import torch

import timm
from functools import partial
from timm.layers import HybridEmbed
from timm.models.vision_transformer_hybrid import ConvStem

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "timm-coverage"))
from check_saved import load_safetensors  # noqa: E402 - the one safetensors reader of eng/

def read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    dims = raw[3]
    shape = struct.unpack(">" + "I" * dims, raw[4:4 + 4 * dims])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def stem_arguments(config):
    """timm's hybrid embedding for a config whose vit_options has stem_channels; nothing otherwise."""
    o = config.get("vit_options", {})
    channels = o.get("stem_channels")
    if not channels:
        return {}
    n = len(channels)
    activation = {"relu": torch.nn.ReLU, "gelu": torch.nn.GELU, "silu": torch.nn.SiLU}[o.get("stem_activation", "relu")]
    stem = ConvStem(in_chans=o["in_channels"], depth=n, channels=tuple(channels), stride=tuple(o.get("stem_strides") or [2] * n),
                    kernel_size=tuple(o.get("stem_kernel_sizes") or [3] * n), act_layer=activation)
    return {"embed_layer": partial(HybridEmbed, backbone=stem, proj=o.get("stem_projection", True))}


def main(run, data):
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    config = json.load(open(os.path.join(run, "config.json")))
    model = timm.create_model(config["architecture"], **config["model_args"], **stem_arguments(config)).eval()
    model.load_state_dict(load_safetensors(os.path.join(run, "model.safetensors")), strict=True)
    images = read_idx(os.path.join(data, "t10k-images-idx3-ubyte.gz")).astype(np.float32) / 255.0
    labels = read_idx(os.path.join(data, "t10k-labels-idx1-ubyte.gz")).astype(np.int64)
    cfg = config["pretrained_cfg"]
    mean, std = cfg["mean"][0], cfg["std"][0]
    size = cfg["input_size"][-1]
    x = torch.from_numpy((images - mean) / std).unsqueeze(1)
    if size != x.shape[-1]:
        pad = size - x.shape[-1]
        x = torch.nn.functional.pad(x, (pad // 2, pad - pad // 2, pad // 2, pad - pad // 2))
    correct = 0
    with torch.no_grad():
        for i in range(0, len(labels), 500):
            correct += (model(x[i:i + 500]).argmax(1) == torch.from_numpy(labels[i:i + 500])).sum().item()
    print(f"timm strict load: test_top1={correct / len(labels):.4f} ({correct} of {len(labels)})")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
