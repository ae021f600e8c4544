"""Writes tests/Vit.Core.Tests/Fixtures/intermediates/dinov2_reg4.safetensors: timm's forward_intermediates on the
dinov2_reg4 hub case (4 register tokens + class token) for several argument sets. Run by hand, never by the tests:

  git -C /work/.mirror/huggingface+pytorch-image-models/repo archive HEAD timm | tar -x -C /tmp/timm-src
  PYTHONPATH=/tmp/timm-src python3 eng/make_intermediates_fixture.py tests/Vit.Core.Tests/Fixtures
"""
import json
import os
import struct
import sys

import numpy as np
import torch

import timm


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
        array = np.frombuffer(data[begin:end], dtype=np.float32).reshape(entry["shape"])
        out[name] = torch.from_numpy(array.copy())
    return out


def save_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        array = tensors[name].detach().contiguous().numpy().astype("<f4")
        raw = array.tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in blobs:
            f.write(raw)


# name -> forward_intermediates arguments (stop_early changes nothing but which blocks run)
CASES = {
    "last2_nchw": dict(indices=2, norm=False, output_fmt="NCHW"),
    "list_norm_nlc_prefix": dict(indices=[0, -1], norm=True, output_fmt="NLC", return_prefix_tokens=True),
    "first_norm_nchw_only": dict(indices=[0], norm=True, output_fmt="NCHW", intermediates_only=True, stop_early=True),
}


def main(fixtures):
    folder = os.path.join(fixtures, "pretrained", "dinov2_reg4")
    config = json.load(open(os.path.join(folder, "config.json")))
    cfg = dict(config.get("pretrained_cfg", {}))
    cfg["num_classes"] = config["num_classes"]
    model = timm.create_model(config["architecture"], pretrained_cfg=cfg, **config.get("model_args", {})).eval()
    model.load_state_dict(load_safetensors(os.path.join(folder, "model.safetensors")), strict=True)
    images = load_safetensors(os.path.join(folder, "expected.safetensors"))["input_0"]
    out = {"input": images}
    with torch.no_grad():
        for name, args in CASES.items():
            result = model.forward_intermediates(images, **args)
            if args.get("intermediates_only"):
                intermediates = result
            else:
                final, intermediates = result
                out[f"{name}.final"] = final
            for i, item in enumerate(intermediates):
                if isinstance(item, tuple):
                    out[f"{name}.{i}"] = item[0]
                    out[f"{name}.{i}.prefix"] = item[1]
                else:
                    out[f"{name}.{i}"] = item
    target = os.path.join(fixtures, "intermediates")
    os.makedirs(target, exist_ok=True)
    save_safetensors(os.path.join(target, "dinov2_reg4.safetensors"), out)
    for name, t in sorted(out.items()):
        print(name, list(t.shape))


if __name__ == "__main__":
    main(sys.argv[1])
