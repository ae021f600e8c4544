"""Makes timm_headless/: timm's ViT of ../../../../shared/fixtures/timm_vit_p4_32_rgb_cls with num_classes=0 (no head),
exported by PyTorch's own exporter with the output named `embeddings`, its config.json as timm's hub writes it for a
headless model (no label_names, no vit_version), and expected.json: timm's eval transform + pre-logits per image.
By hand with Debian's python3-torch 1.13 / python3-pil and a timm source tree on PYTHONPATH; never at test time.
"""
import glob, json, os, struct, sys
import numpy as np
import torch
import timm
from PIL import Image
from timm.data.transforms_factory import transforms_imagenet_eval

HERE = os.path.dirname(os.path.abspath(__file__))


def load_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    return {k: torch.from_numpy(np.frombuffer(data[v["data_offsets"][0]:v["data_offsets"][1]], np.float32).reshape(v["shape"]).copy())
            for k, v in header.items() if k != "__metadata__"}


state = load_safetensors(sys.argv[1])
state = {k: v for k, v in state.items() if not k.startswith("head.")}
model = timm.create_model("vit_tiny_patch16_224", pretrained=False, img_size=32, patch_size=4, depth=2, num_heads=3, num_classes=0).eval()
model.load_state_dict(state)
torch.onnx.export(model, torch.randn(1, 3, 32, 32), os.path.join(HERE, "model.onnx"), opset_version=17, input_names=["images"],
                  output_names=["embeddings"], dynamic_axes={"images": {0: "n"}, "embeddings": {0: "n"}})
cfg = dict(input_size=[3, 32, 32], interpolation="bicubic", crop_pct=0.875, crop_mode="center",
           mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225], num_classes=0)
config = dict(architecture="vit_tiny_patch16_224", num_classes=0, num_features=192, global_pool="token",
              model_args=dict(img_size=32, patch_size=4, depth=2, num_heads=3), pretrained_cfg=cfg)
with open(os.path.join(HERE, "config.json"), "w") as f:
    json.dump(config, f, indent=2)
transform = transforms_imagenet_eval(img_size=32, crop_pct=0.875, interpolation="bicubic", mean=cfg["mean"], std=cfg["std"])
expected = {}
with torch.no_grad():
    for path in sorted(glob.glob(os.path.join(HERE, "..", "images", "*.png"))):
        x = transform(Image.open(path).convert("RGB")).unsqueeze(0)
        expected[os.path.basename(path)] = model(x)[0].tolist()
with open(os.path.join(HERE, "expected.json"), "w") as f:
    json.dump({"embeddings": expected}, f)
