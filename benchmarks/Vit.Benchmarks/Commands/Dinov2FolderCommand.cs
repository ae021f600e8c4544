using System.Globalization;
using TorchSharp;
using Vit.Core;
using static TorchSharp.torch;

namespace Vit.Benchmarks.Commands;

/// <summary>
/// <c>dinov2-folder</c>: writes a folder as transformers lays out <c>facebook/dinov2-*</c> (config.json with
/// <c>model_type</c> dinov2, model.safetensors with Dinov2Model's key names, preprocessor_config.json with its
/// BitImageProcessor) holding seeded random weights of the given shape: for <c>vit export</c> and the int8 embedding
/// figures where no downloaded weights are at hand. Weights N(0, 0.02), biases and norm offsets N(0, 0.02), norm
/// scales 1 + N(0, 0.02), LayerScale 1 + N(0, 0.02) (the config's <c>layerscale_value</c> is 1.0).
/// </summary>
internal static class Dinov2FolderCommand
{
    public static int Run(Arguments args)
    {
        string output = args.String("out", string.Empty);
        int depth = args.Int("depth", 12), dim = args.Int("dim", 384), heads = args.Int("heads", 6), image = args.Int("image", 224), patch = args.Int("patch", 14), seed = args.Int("seed", 0);
        args.ThrowIfUnused();
        if (output.Length == 0 || image % patch != 0)
        {
            throw new ArgumentException("dinov2-folder needs --out DIR and an --image that --patch divides.");
        }

        Directory.CreateDirectory(output);
        torch.manual_seed(seed);
        using var scope = NewDisposeScope();
        Tensor Noise(params long[] shape) => randn(shape) * 0.02f;
        Tensor Ones(long n) => 1 + Noise(n);
        int tokens = ((image / patch) * (image / patch)) + 1;
        var weights = new Dictionary<string, Tensor>(StringComparer.Ordinal)
        {
            ["embeddings.cls_token"] = Noise(1, 1, dim),
            ["embeddings.mask_token"] = zeros(1, dim),
            ["embeddings.position_embeddings"] = Noise(1, tokens, dim),
            ["embeddings.patch_embeddings.projection.weight"] = Noise(dim, 3, patch, patch),
            ["embeddings.patch_embeddings.projection.bias"] = Noise(dim),
            ["layernorm.weight"] = Ones(dim),
            ["layernorm.bias"] = Noise(dim),
        };
        for (int i = 0; i < depth; i++)
        {
            string p = $"encoder.layer.{i}.";
            foreach (string linear in new[] { "attention.attention.query", "attention.attention.key", "attention.attention.value", "attention.output.dense" })
            {
                weights[$"{p}{linear}.weight"] = Noise(dim, dim);
                weights[$"{p}{linear}.bias"] = Noise(dim);
            }

            weights[$"{p}mlp.fc1.weight"] = Noise(4 * dim, dim);
            weights[$"{p}mlp.fc1.bias"] = Noise(4 * dim);
            weights[$"{p}mlp.fc2.weight"] = Noise(dim, 4 * dim);
            weights[$"{p}mlp.fc2.bias"] = Noise(dim);
            foreach (string norm in new[] { "norm1", "norm2" })
            {
                weights[$"{p}{norm}.weight"] = Ones(dim);
                weights[$"{p}{norm}.bias"] = Noise(dim);
            }

            weights[$"{p}layer_scale1.lambda1"] = Ones(dim);
            weights[$"{p}layer_scale2.lambda1"] = Ones(dim);
        }

        SafeTensors.Save(Path.Combine(output, "model.safetensors"), weights);
        File.WriteAllText(Path.Combine(output, "config.json"), string.Create(CultureInfo.InvariantCulture, $$"""
            {
              "architectures": ["Dinov2Model"], "model_type": "dinov2", "hidden_size": {{dim}}, "num_hidden_layers": {{depth}},
              "num_attention_heads": {{heads}}, "mlp_ratio": 4, "hidden_act": "gelu", "hidden_dropout_prob": 0.0,
              "attention_probs_dropout_prob": 0.0, "initializer_range": 0.02, "layer_norm_eps": 1e-06, "image_size": {{image}},
              "patch_size": {{patch}}, "num_channels": 3, "qkv_bias": true, "layerscale_value": 1.0, "drop_path_rate": 0.0,
              "use_swiglu_ffn": false, "torch_dtype": "float32", "transformers_version": "4.46.0"
            }
            """));
        File.WriteAllText(Path.Combine(output, "preprocessor_config.json"), string.Create(CultureInfo.InvariantCulture, $$"""
            {
              "image_processor_type": "BitImageProcessor", "do_resize": true, "size": {"shortest_edge": {{image * 256 / 224}}}, "resample": 3,
              "do_center_crop": true, "crop_size": {"height": {{image}}, "width": {{image}}}, "do_rescale": true,
              "rescale_factor": 0.00392156862745098, "do_normalize": true, "image_mean": [0.485, 0.456, 0.406],
              "image_std": [0.229, 0.224, 0.225], "do_convert_rgb": true
            }
            """));
        Console.WriteLine($"# wrote {output}: config.json (Dinov2Model, {depth} x {dim}, {heads} heads, patch {patch}, {image} px), model.safetensors ({weights.Values.Sum(t => t.numel()):N0} values, seed {seed}), preprocessor_config.json");
        return 0;
    }
}
