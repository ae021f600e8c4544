"""Makes tests/Vit.Core.Tests/Fixtures/variants/conv_stem*: timm ViTs with a convolutional stem (HybridEmbed around ConvStem).

timm has no registry entry for a small ConvStem ViT, so each case builds timm's own classes by hand, as a user would:
VisionTransformer(embed_layer=partial(HybridEmbed, backbone=ConvStem(...), proj=...), patch_size=...). Every parameter is
moved off its init by N(0, 0.02) and the BatchNorm running statistics are random, so eval mode uses them visibly.
Writes model.safetensors (timm's state_dict; num_batches_tracked as I64), expected.safetensors (input_0, features_0,
pre_logits_0, logits_0 in eval mode, train_logits_0 in train mode: batch statistics) and case.json. Run with Debian's
python3-torch and timm's source on PYTHONPATH:
    git -C <timm mirror> archive HEAD timm | tar x -C /tmp/timm && PYTHONPATH=/tmp/timm /usr/bin/python3 eng/make_hybrid_fixtures.py
"""
import json
import os
import sys
from functools import partial

import torch
from torch import nn
from timm.layers import HybridEmbed
from timm.models.vision_transformer import VisionTransformer
from timm.models.vision_transformer_hybrid import ConvStem

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_variant_fixtures import save_safetensors  # noqa: E402 - the fixtures' one safetensors writer

OUT = os.path.join(os.path.dirname(__file__), '..', 'tests', 'Vit.Core.Tests', 'Fixtures', 'variants')

# name: (ConvStem arguments, HybridEmbed arguments, VisionTransformer arguments)
CASES = {
    # RGB 32 px, stem 32 -> 16 -> 8 -> 4 with ReLU, projected by 2x2 patches to 64 wide: 4 tokens + class token.
    'conv_stem': (dict(in_chans=3, channels=(16, 32, 48)), dict(proj=True), dict(
        img_size=32, patch_size=2, in_chans=3, embed_dim=64, depth=2, num_heads=4, num_classes=10)),
    # Grey 28 px (Fashion-MNIST's shape), stem 28 -> 14 -> 7 -> 4 with GELU, no projection (the stem's last width is the
    # embedding), mean pooling without a class token: 16 tokens.
    'conv_stem_noproj_gap': (dict(in_chans=1, channels=(16, 32, 64), act_layer=nn.GELU), dict(proj=False), dict(
        img_size=28, patch_size=1, in_chans=1, embed_dim=64, depth=2, num_heads=4, num_classes=10, class_token=False,
        global_pool='avg')),
}


def main():
    torch.manual_seed(0)
    for name, (stem_args, embed_args, vit_args) in CASES.items():
        stem = ConvStem(**stem_args)
        model = VisionTransformer(embed_layer=partial(HybridEmbed, backbone=stem, **embed_args), **vit_args)
        with torch.no_grad():
            for p in model.parameters():
                p.add_(torch.randn_like(p) * 0.02)
            for module in model.modules():
                if isinstance(module, nn.BatchNorm2d):
                    module.running_mean.normal_(0, 0.5)
                    module.running_var.uniform_(0.5, 2.0)
                    module.num_batches_tracked.fill_(7)
        folder = os.path.join(OUT, name)
        os.makedirs(folder, exist_ok=True)
        save_safetensors(os.path.join(folder, 'model.safetensors'), model.state_dict())
        size = vit_args['img_size']
        x = torch.randn(3, vit_args['in_chans'], size, size)
        expected = {'input_0': x}
        model.eval()
        with torch.no_grad():
            features = model.forward_features(x)
            expected['features_0'] = features
            expected['pre_logits_0'] = model.forward_head(features, pre_logits=True)
            expected['logits_0'] = model(x)
        model.train()
        with torch.no_grad():
            expected['train_logits_0'] = model(x)
        save_safetensors(os.path.join(folder, 'expected.safetensors'), expected)
        case = {'stem': {k: (v.__name__ if isinstance(v, type) else v) for k, v in stem_args.items()}, 'embed': embed_args, 'vit': vit_args}
        with open(os.path.join(folder, 'case.json'), 'w') as f:
            json.dump(case, f, indent=2)
        print(name, {k: tuple(v.shape) for k, v in expected.items()})


if __name__ == '__main__':
    main()
