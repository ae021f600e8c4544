"""Makes the preprocessing fixtures: images of odd sizes and modes, and what timm's evaluation transform (timm's own
code, Pillow) and transformers' ViT/Bit image processors (their Pillow path, written out below) make of them.
Run by hand with Debian's python3-pil, python3-torchvision and a timm source tree on PYTHONPATH; never at test time.
"""
import json, math, os
import numpy as np
from PIL import Image
from timm.data.transforms_factory import transforms_imagenet_eval

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(22)


def pattern(w, h, channels):
    y, x = np.mgrid[0:h, 0:w]
    planes = [(x * 255 / (w - 1)), (y * 255 / (h - 1)), ((x + y) % 7) * 36, 255 - (x * y) % 256]
    noise = rng.integers(-30, 30, size=(h, w))
    stack = [np.clip(planes[c] + noise, 0, 255) for c in range(channels)]
    return np.stack(stack, -1).astype(np.uint8)


def make_images():
    os.makedirs(os.path.join(HERE, "images"), exist_ok=True)
    images = {
        "l_37x29.png": Image.fromarray(pattern(37, 29, 1)[..., 0], "L"),
        "rgb_45x31.png": Image.fromarray(pattern(45, 31, 3), "RGB"),
        "rgba_29x41.png": Image.fromarray(pattern(29, 41, 4), "RGBA"),
        "p_33x27.png": Image.fromarray(pattern(33, 27, 3), "RGB").quantize(colors=37),
        "rgb_41x35.jpg": Image.fromarray(pattern(41, 35, 3), "RGB"),
        "l_27x39.jpg": Image.fromarray(pattern(27, 39, 1)[..., 0], "L"),
        "rgb_64x19.jpg": Image.fromarray(pattern(64, 19, 3), "RGB"),
    }
    for name, image in images.items():
        image.save(os.path.join(HERE, "images", name), quality=90) if name.endswith(".jpg") else image.save(os.path.join(HERE, "images", name))
    return sorted(images)


IMAGENET = ([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
TIMM = {
    "timm_center_bicubic": dict(input_size=[3, 24, 24], interpolation="bicubic", crop_pct=0.875, crop_mode="center", mean=IMAGENET[0], std=IMAGENET[1]),
    "timm_center_nonsquare": dict(input_size=[3, 20, 28], interpolation="bicubic", crop_pct=0.9, crop_mode="center", mean=IMAGENET[0], std=IMAGENET[1]),
    "timm_squash_bilinear": dict(input_size=[3, 20, 28], interpolation="bilinear", crop_pct=0.95, crop_mode="squash", mean=[0.5] * 3, std=[0.5] * 3),
    "timm_border_bicubic": dict(input_size=[3, 24, 24], interpolation="bicubic", crop_pct=1.0, crop_mode="border", mean=IMAGENET[0], std=IMAGENET[1]),
    "timm_gray_nearest": dict(input_size=[1, 16, 16], interpolation="nearest", crop_pct=0.8, crop_mode="center", mean=[0.3], std=[0.35]),
    "timm_gray_pad": dict(input_size=[1, 32, 32], interpolation="bilinear", crop_pct=1.2, crop_mode="center", mean=[0.286], std=[0.353]),
}
TRANSFORMERS = {
    "hf_vit": dict(image_processor_type="ViTImageProcessor", do_resize=True, size={"height": 24, "width": 20}, resample=2,
                   do_rescale=True, rescale_factor=1 / 255, do_normalize=True, image_mean=[0.5] * 3, image_std=[0.5] * 3),
    "hf_bit": dict(image_processor_type="BitImageProcessor", do_resize=True, size={"shortest_edge": 26}, resample=3, do_center_crop=True,
                   crop_size={"height": 24, "width": 24}, do_rescale=True, rescale_factor=1 / 255, do_normalize=True,
                   image_mean=IMAGENET[0], image_std=IMAGENET[1], do_convert_rgb=True),
    "hf_bit_pad": dict(image_processor_type="BitImageProcessor", do_resize=True, size={"shortest_edge": 19}, resample=3, do_center_crop=True,
                       crop_size={"height": 23, "width": 22}, do_rescale=True, rescale_factor=1 / 255, do_normalize=True,
                       image_mean=IMAGENET[0], image_std=IMAGENET[1], do_convert_rgb=True),
}


def timm_pixels(image, cfg):
    mode = "L" if cfg["input_size"][0] == 1 else "RGB"
    transform = transforms_imagenet_eval(img_size=tuple(cfg["input_size"][1:]), crop_pct=cfg["crop_pct"], crop_mode=cfg["crop_mode"],
                                         interpolation=cfg["interpolation"], mean=cfg["mean"], std=cfg["std"])
    for step in transform.transforms[:-2]:  # everything before ToTensor + Normalize works on the Pillow image
        image = step(image.convert(mode)) if image.mode != mode else step(image)
    return image


def transformers_pixels(image, cfg):
    # transformers' Pillow path: convert("RGB"), PIL resize to (width, height), center_crop with floor offsets and zero padding.
    image = image.convert("RGB")
    size = cfg["size"]
    if "shortest_edge" in size:
        w, h = image.size
        short, long = (w, h) if w <= h else (h, w)
        new_short, new_long = size["shortest_edge"], int(size["shortest_edge"] * long / short)
        target = (new_short, new_long) if w <= h else (new_long, new_short)
    else:
        target = (size["width"], size["height"])
    image = np.array(image.resize(target, resample=cfg["resample"]))
    if cfg.get("do_center_crop"):
        ch, cw = cfg["crop_size"]["height"], cfg["crop_size"]["width"]
        h, w = image.shape[:2]
        out = np.zeros((ch, cw, 3), np.uint8)
        top, left = (h - ch) // 2, (w - cw) // 2
        for y in range(ch):
            for x in range(cw):
                sy, sx = y + top, x + left
                if 0 <= sy < h and 0 <= sx < w:
                    out[y, x] = image[sy, sx]
        image = out
    return Image.fromarray(image, "RGB")


def main():
    names = make_images()
    for kind, configs in (("timm", TIMM), ("transformers", TRANSFORMERS)):
        for key, cfg in configs.items():
            os.makedirs(os.path.join(HERE, "expected", key), exist_ok=True)
            with open(os.path.join(HERE, key + ".json"), "w") as f:
                json.dump(cfg, f, indent=2)
            for name in names:
                image = Image.open(os.path.join(HERE, "images", name))
                image.load()
                pixels = timm_pixels(image, cfg) if kind == "timm" else transformers_pixels(image, cfg)
                pixels.save(os.path.join(HERE, "expected", key, os.path.splitext(name)[0] + ".png"))


main()
