using TorchSharp;
using Vit.Core;
using static TorchSharp.torch;

namespace Vit.Onnx;

/// <summary>
/// One encoder block's weights with what is constant at inference folded in (exact in real arithmetic; see
/// docs/deployment.md): the attention scale into the queries; the key bias dropped (it adds the same amount to every
/// score of a query, which softmax ignores); the value bias moved into the projection's bias (attention weights sum
/// to 1); LayerScale into the projection and fc2. Weights keep PyTorch's <c>[out, in]</c> layout.
/// </summary>
internal sealed class BlockWeights
{
    private BlockWeights(string prefix)
    {
        Prefix = prefix;
    }

    /// <summary>Gets the block's timm prefix, <c>blocks.N.</c>, used to name its initializers.</summary>
    public string Prefix { get; }

    public Tensor Norm1Weight { get; private set; } = null!;

    public Tensor Norm1Bias { get; private set; } = null!;

    /// <summary>Gets the query projection, scaled by 1/sqrt(head dim).</summary>
    public Tensor QueryWeight { get; private set; } = null!;

    /// <summary>Gets the scaled query bias, or <see langword="null"/> without qkv bias.</summary>
    public Tensor? QueryBias { get; private set; }

    public Tensor KeyWeight { get; private set; } = null!;

    public Tensor ValueWeight { get; private set; } = null!;

    public Tensor ProjWeight { get; private set; } = null!;

    /// <summary>Gets the projection bias with the value bias folded in (and LayerScale applied).</summary>
    public Tensor ProjBias { get; private set; } = null!;

    public Tensor Norm2Weight { get; private set; } = null!;

    public Tensor Norm2Bias { get; private set; } = null!;

    public Tensor Fc1Weight { get; private set; } = null!;

    public Tensor Fc1Bias { get; private set; } = null!;

    public Tensor Fc2Weight { get; private set; } = null!;

    public Tensor Fc2Bias { get; private set; } = null!;

    /// <summary>Folds block <paramref name="index"/> of a float32 CPU state dict (the tensors live in the caller's dispose scope).</summary>
    public static BlockWeights Fold(IReadOnlyDictionary<string, Tensor> state, int index, int dim, int heads)
    {
        string p = $"blocks.{index}.";
        Tensor Get(string key) => state.TryGetValue(p + key, out var t) ? t : throw new InvalidOperationException($"The model has no weight '{p + key}'.");

        using var scale = (1.0 / Math.Sqrt(dim / heads)).ToScalar();
        var qkv = Get("attn.qkv.weight").to(ScalarType.Float64);
        var qkvBias = state.TryGetValue(p + "attn.qkv.bias", out var b) ? b.to(ScalarType.Float64) : null;
        var proj = Get("attn.proj.weight").to(ScalarType.Float64);
        var projBias = Get("attn.proj.bias").to(ScalarType.Float64);
        var fc2 = Get("mlp.fc2.weight").to(ScalarType.Float64);
        var fc2Bias = Get("mlp.fc2.bias").to(ScalarType.Float64);
        if (qkvBias is not null)
        {
            projBias = projBias.add(proj.matmul(qkvBias[(2 * dim)..]), ScalarConstants.One);
        }

        if (state.TryGetValue(p + "ls1.gamma", out var gamma1))
        {
            var g1 = gamma1.to(ScalarType.Float64);
            proj = proj * g1.unsqueeze(1);
            projBias = projBias * g1;
        }

        if (state.TryGetValue(p + "ls2.gamma", out var gamma2))
        {
            var g2 = gamma2.to(ScalarType.Float64);
            fc2 = fc2 * g2.unsqueeze(1);
            fc2Bias = fc2Bias * g2;
        }

        return new BlockWeights(p)
        {
            Norm1Weight = Get("norm1.weight"),
            Norm1Bias = Get("norm1.bias"),
            QueryWeight = Single(qkv[..dim].mul(scale)),
            QueryBias = qkvBias is null ? null : Single(qkvBias[..dim].mul(scale)),
            KeyWeight = Single(qkv[dim..(2 * dim)]),
            ValueWeight = Single(qkv[(2 * dim)..]),
            ProjWeight = Single(proj),
            ProjBias = Single(projBias),
            Norm2Weight = Get("norm2.weight"),
            Norm2Bias = Get("norm2.bias"),
            Fc1Weight = Get("mlp.fc1.weight"),
            Fc1Bias = Get("mlp.fc1.bias"),
            Fc2Weight = Single(fc2),
            Fc2Bias = Single(fc2Bias),
        };
    }

    private static Tensor Single(Tensor t) => t.to(ScalarType.Float32).contiguous();
}
