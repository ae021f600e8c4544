using TorchSharp;
using Vit.Core;
using static TorchSharp.torch;

namespace Vit.Onnx;

/// <summary>
/// The convolutions of the patch embedding: the convolutional stem (timm's <c>ConvStem</c>, each BatchNorm folded
/// into its convolution with the running statistics, as in evaluation) and the patch projection <c>patch_embed.proj</c>.
/// </summary>
internal static class PatchEmbeddingGraph
{
    /// <summary>The epsilon of the stem's BatchNorm (PyTorch's default, which <see cref="ConvNormAct"/> keeps).</summary>
    private const double BatchNormEpsilon = 1e-5;

    /// <summary>The stem's feature map <c>[N, C, h, w]</c> of <paramref name="images"/>, or the images themselves without a stem.</summary>
    public static string Stem(VariantLayers l, VisionTransformerOptions o, string images)
    {
        string x = images;
        for (int i = 0; o.HasStem && i < o.StemChannels!.Length; i++)
        {
            string p = $"patch_embed.backbone.{i}";
            var (weight, bias) = Folded(l, p);
            int k = o.StemKernelSize(i), s = o.StemStride(i), pad = o.StemPadding(i);
            x = l.G.Node("Conv", $"{p}.conv", [x, l.G.Float($"{p}.conv.weight", weight), l.G.Float($"{p}.conv.bias", bias)],
                OnnxGraphBuilder.Ints("kernel_shape", k, k), OnnxGraphBuilder.Ints("strides", s, s), OnnxGraphBuilder.Ints("pads", pad, pad, pad, pad));
            if (l.Has($"{p}.bn.weight"))
            {
                x = l.Activation($"{p}.act", x, o.StemActivation);
            }
        }

        return x;
    }

    /// <summary>The patch projection <c>[N, D, h/P, w/P]</c> of <paramref name="features"/> (the features themselves for a stem without projection).</summary>
    public static string Projection(VariantLayers l, VisionTransformerOptions o, string features)
    {
        if (o.HasStem && !o.StemProjection)
        {
            return features;
        }

        var inputs = new List<string> { features, l.G.Float("patch_embed.proj.weight", l.Get("patch_embed.proj.weight")) };
        if (l.Find("patch_embed.proj.bias") is { } bias)
        {
            inputs.Add(l.G.Float("patch_embed.proj.bias", bias));
        }

        return l.G.Node("Conv", "patch_embed", inputs, OnnxGraphBuilder.Ints("kernel_shape", o.PatchSize, o.PatchSize), OnnxGraphBuilder.Ints("strides", o.PatchSize, o.PatchSize));
    }

    /// <summary>
    /// Stem convolution <paramref name="prefix"/>'s weight and bias with its BatchNorm folded in, computed in float64:
    /// <c>w γ/√(var+ε)</c> and <c>(b - mean) γ/√(var+ε) + β</c> (b = 0 without a conv bias); unchanged without a BatchNorm.
    /// </summary>
    private static (Tensor Weight, Tensor Bias) Folded(VariantLayers l, string prefix)
    {
        var weight = l.Get(prefix + ".conv.weight").to(ScalarType.Float64);
        var bias = l.Find(prefix + ".conv.bias")?.to(ScalarType.Float64) ?? zeros(weight.shape[0], ScalarType.Float64);
        if (l.Has(prefix + ".bn.weight"))
        {
            var gamma = l.Get(prefix + ".bn.weight").to(ScalarType.Float64);
            var beta = l.Get(prefix + ".bn.bias").to(ScalarType.Float64);
            var mean = l.Get(prefix + ".bn.running_mean").to(ScalarType.Float64);
            var variance = l.Get(prefix + ".bn.running_var").to(ScalarType.Float64);
            using var epsilon = BatchNormEpsilon.ToScalar();
            var scale = gamma / variance.add(epsilon, ScalarConstants.One).sqrt();
            weight = weight * scale.reshape(-1, 1, 1, 1);
            bias = ((bias - mean) * scale).add(beta, ScalarConstants.One);
        }

        return (weight.to(ScalarType.Float32).contiguous(), bias.to(ScalarType.Float32).contiguous());
    }
}
