# Reference outputs of timm's evaluation transform (transforms_imagenet_eval: Resize(floor(size / crop_pct)) with
# Pillow's resampling, CenterCrop(size)) before ToTensor, for Vit.Data's EvalTransform. Run by hand with Debian's
# Pillow 9.4 and torchvision 0.14: /usr/bin/python3 make_eval_transform.py eval_images eval_transform.json
import json, math, os, sys
import numpy as np
from PIL import Image
from torchvision import transforms
from torchvision.transforms import InterpolationMode

out_dir, out_json = sys.argv[1], sys.argv[2]
rng = np.random.default_rng(23)

def synthetic(w, h):
    y, x = np.mgrid[0:h, 0:w]
    r = 128 + 100 * np.sin(x / 5.0) * np.cos(y / 7.0)
    g = 255 * x / max(w - 1, 1)
    b = 255 * ((x // 6 + y // 6) % 2)
    img = np.stack([r, g, b], -1) + rng.normal(0, 12, (h, w, 3))
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), "RGB")

images = {
    "photo_61x45.jpg": (synthetic(61, 45), dict(quality=90)),
    "photo_40x72.jpg": (synthetic(40, 72), dict(quality=75)),
    "gray_33x30.jpg": (synthetic(33, 30).convert("L"), dict(quality=90)),
    "photo_50x37.png": (synthetic(50, 37), {}),
}
configs = {
    "rgb_bicubic_32_0.875": ("RGB", 32, 0.875, InterpolationMode.BICUBIC),
    "rgb_bilinear_24_1.0": ("RGB", 24, 1.0, InterpolationMode.BILINEAR),
    "gray_bilinear_24_0.9": ("L", 24, 0.9, InterpolationMode.BILINEAR),
}
result = {"note": "uint8 C,H,W of Resize(floor(size / crop_pct), interpolation) + CenterCrop(size) of the image decoded by Pillow and converted to the mode; decoded: Pillow's RGB pixels (H,W,C)", "images": {}}
for name, (img, kwargs) in images.items():
    path = os.path.join(out_dir, name)
    img.save(path, **kwargs)
    decoded = Image.open(path)
    entry = {"decoded_rgb": np.asarray(decoded.convert("RGB")).reshape(-1).tolist()}
    for key, (mode, size, crop_pct, interp) in configs.items():
        t = transforms.Compose([transforms.Resize(math.floor(size / crop_pct), interpolation=interp), transforms.CenterCrop(size)])
        a = np.asarray(t(decoded.convert(mode)))
        a = a[None] if a.ndim == 2 else a.transpose(2, 0, 1)
        entry[key] = a.reshape(-1).tolist()
    result["images"][name] = entry
with open(out_json, "w") as f:
    json.dump(result, f)
