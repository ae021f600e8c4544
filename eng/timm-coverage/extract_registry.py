"""Writes src/Vit.Core/Timm/TimmArchitectures.json: every architecture registered in timm's vision_transformer.py and
deit.py as "args", the keyword arguments its function passes to the model class, and "pretrained_cfg", the fields of
its default pretrained cfg that timm's _update_default_model_kwargs turns into num_classes / in_chans / img_size /
global_pool when neither the function nor the caller passes them. Values are timm's: numbers, booleans, strings; a class is its name ("RmsNorm", "SwiGLUPacked"), a
functools.partial is {"layer": name, ...its keyword arguments}.

Run with timm's source on PYTHONPATH (no weights are downloaded, no model is built):
  PYTHONPATH=/tmp/timm-src python3 eng/timm-coverage/extract_registry.py src/Vit.Core/Timm/TimmArchitectures.json
"""
import functools
import json
import sys

import timm
import timm.models.deit as deit
import timm.models.vision_transformer as vt
from timm.models import get_pretrained_cfg


class Captured(Exception):
    pass


def value(v):
    if isinstance(v, functools.partial):
        out = {"layer": value(v.func)}
        out.update({k: value(x) for k, x in v.keywords.items()})
        return out
    if isinstance(v, type) or callable(v):
        return v.__name__
    if isinstance(v, (tuple, list)):
        items = [value(x) for x in v]
        return items[0] if len(items) == 2 and items[0] == items[1] and isinstance(items[0], int) else items
    if isinstance(v, float) and v.is_integer():
        return v  # keep 4.0 a float: mlp_ratio is a ratio
    return v


def capture(name):
    seen = {}

    def fake(variant, pretrained=False, **kwargs):
        seen.update(kwargs)
        raise Captured()

    vt_create, deit_create = vt._create_vision_transformer, deit._create_deit
    vt._create_vision_transformer = fake
    deit._create_deit = fake
    try:
        timm.models.model_entrypoint(name)()
    except Captured:
        pass
    finally:
        vt._create_vision_transformer, deit._create_deit = vt_create, deit_create
    seen.pop("use_naflex", None)
    entry = {"args": {k: value(v) for k, v in sorted(seen.items())}}
    cfg = get_pretrained_cfg(name)
    if cfg is not None:
        # what timm's _update_default_model_kwargs takes from the default pretrained cfg when the caller does not pass it
        defaults = {"input_size": list(cfg.input_size), "fixed_input_size": bool(cfg.fixed_input_size)}
        if cfg.num_classes is not None:
            defaults["num_classes"] = cfg.num_classes
        if getattr(cfg, "global_pool", None):
            defaults["global_pool"] = cfg.global_pool
        entry["pretrained_cfg"] = defaults
    return entry


def main(out):
    names = sorted(timm.list_models(module="vision_transformer") + timm.list_models(module="deit"))
    table = {n: capture(n) for n in names}
    with open(out, "w") as f:
        json.dump({"timm_version": timm.__version__, "architectures": table}, f, indent=1, sort_keys=False)
        f.write("\n")
    print(f"{len(table)} architectures -> {out}")


if __name__ == "__main__":
    main(sys.argv[1])
