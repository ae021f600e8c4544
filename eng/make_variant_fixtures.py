"""Makes tests/Vit.Core.Tests/Fixtures/variants/: timm ViT variants the hub fixtures do not cover.

Each case: model.safetensors (timm's state_dict, every parameter moved off its init by N(0, 0.02)), expected.safetensors
(input_I, features_I, pre_logits_I, logits_I per input size I, eval mode, float32) and case.json (the timm arguments).
Run with Debian's python3-torch and timm's source on PYTHONPATH:
    git -C <timm mirror> archive HEAD timm | tar x -C /tmp/timm && PYTHONPATH=/tmp/timm /usr/bin/python3 eng/make_variant_fixtures.py
"""
import json
import os
import struct
import sys

import torch
import timm
from timm.layers import SwiGLU

OUT = os.path.join(os.path.dirname(__file__), '..', 'tests', 'Vit.Core.Tests', 'Fixtures', 'variants')

# name: (architecture, arguments over the architecture's own, input sizes, arguments as JSON for case.json)
CASES = {
    # AIMv2: RmsNorm (eps 1e-5) everywhere and in the patch embedding, split SwiGLU, no qkv/proj biases, mean pooling.
    'aimv2': ('aimv2_large_patch14_224', dict(embed_dim=64, depth=2, num_heads=4, img_size=28, num_classes=10), [(28, 28)]),
    # Scaled attention and MLP norms, class token + 2 registers pooled with avgmax including the prefix, fc_norm off,
    # dynamic size with padding (inputs not multiples of the patch).
    'scale_norms_avgmax_pad': ('vit_base_patch16_224', dict(
        embed_dim=64, depth=2, num_heads=4, img_size=32, patch_size=8, num_classes=10, scale_attn_norm=True,
        scale_mlp_norm=True, reg_tokens=2, global_pool='avgmax', pool_include_prefix=True, fc_norm=False,
        dynamic_img_size=True, dynamic_img_pad=True), [(32, 32), (30, 45)]),
    # Max pooling without any final norm, no class token, SiLU, qkv bias off, RmsNorm with timm's default eps.
    'max_no_final_norm': ('vit_base_patch16_224', dict(
        embed_dim=64, depth=2, num_heads=4, img_size=32, patch_size=8, num_classes=10, class_token=False,
        global_pool='max', final_norm=False, act_layer='silu', qkv_bias=False, norm_layer='rmsnorm'), [(32, 32)]),
}


def save_safetensors(path, tensors):
    """Writes tensors as safetensors: int64 ones (BatchNorm's num_batches_tracked) as I64, the others as F32."""
    header, offset, blobs = {}, 0, []
    for name, tensor in tensors.items():
        tensor = tensor.detach().contiguous()
        dtype = 'I64' if tensor.dtype == torch.int64 else 'F32'
        data = (tensor if dtype == 'I64' else tensor.to(torch.float32)).numpy().tobytes()
        header[name] = {'dtype': dtype, 'shape': list(tensor.shape), 'data_offsets': [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header, separators=(',', ':')).encode()
    text += b' ' * (-len(text) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def main():
    torch.manual_seed(0)
    for name, (arch, args, sizes) in CASES.items():
        model = timm.create_model(arch, pretrained=False, **args)
        with torch.no_grad():
            for p in model.parameters():
                p.add_(torch.randn_like(p) * 0.02)
        model.eval()
        folder = os.path.join(OUT, name)
        os.makedirs(folder, exist_ok=True)
        save_safetensors(os.path.join(folder, 'model.safetensors'), model.state_dict())
        expected = {}
        with torch.no_grad():
            for i, (h, w) in enumerate(sizes):
                x = torch.randn(2, 3, h, w)
                features = model.forward_features(x)
                expected[f'input_{i}'] = x
                expected[f'features_{i}'] = features
                expected[f'pre_logits_{i}'] = model.forward_head(features, pre_logits=True)
                expected[f'logits_{i}'] = model(x)
        save_safetensors(os.path.join(folder, 'expected.safetensors'), expected)
        with open(os.path.join(folder, 'case.json'), 'w') as f:
            json.dump({'architecture': arch, 'model_args': args, 'sizes': sizes,
                       'num_prefix_tokens': model.num_prefix_tokens, 'timm_version': timm.__version__,
                       'torch_version': torch.__version__}, f, indent=1)
        print(name, arch, {k: list(v.shape) for k, v in expected.items()}, file=sys.stderr)


if __name__ == '__main__':
    main()
