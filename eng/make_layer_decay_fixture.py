"""Makes tests/Vit.Training.Tests/Fixtures/layer_decay_variants.json: timm's param_groups_layer_decay for ViT variants.

For each case: the timm arguments and, per parameter, its learning-rate scale (layer_decay 0.5) and whether it is
weight-decayed (timm's no_weight_decay names and 1-D rule). Run with Debian's python3-torch and timm's source:
    PYTHONPATH=/tmp/timm /usr/bin/python3 eng/make_layer_decay_fixture.py
"""
import json
import os

import timm
from timm.optim._param_groups import param_groups_layer_decay

OUT = os.path.join(os.path.dirname(__file__), '..', 'tests', 'Vit.Training.Tests', 'Fixtures', 'layer_decay_variants.json')
BASE = dict(img_size=16, patch_size=8, embed_dim=16, depth=2, num_heads=2, num_classes=3)
CASES = {
    'reg_prenorm_map': ('vit_base_patch16_224', dict(BASE, reg_tokens=2, pre_norm=True, global_pool='map', class_token=False)),
    'distilled': ('deit_tiny_distilled_patch16_224', dict(BASE)),
    'headless_gap': ('vit_base_patch16_224', dict(BASE, num_classes=0, class_token=False, global_pool='avg', fc_norm=False)),
}


def main():
    cases = {}
    for name, (arch, args) in CASES.items():
        model = timm.create_model(arch, **args)
        groups = param_groups_layer_decay(model, weight_decay=0.05, no_weight_decay_list=model.no_weight_decay(), layer_decay=0.5)
        params = {id(p): n for n, p in model.named_parameters()}
        result = {}
        for group in groups:
            for p in group['params']:
                result[params[id(p)]] = {'lr_scale': group['lr_scale'], 'decayed': group['weight_decay'] > 0}
        cases[name] = {'architecture': arch, 'model_args': args, 'parameters': result}
    with open(OUT, 'w') as f:
        json.dump({'timm_version': timm.__version__, 'layer_decay': 0.5, 'cases': cases}, f, indent=1)


if __name__ == '__main__':
    main()
