using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Vit.Core;

/// <summary>Factories and calls for the interchangeable layers the options choose (norm kind, activation).</summary>
internal static class Layers
{
    /// <summary>A norm of <paramref name="kind"/> over <paramref name="dim"/> channels (timm's <c>norm_layer(dim)</c>).</summary>
    public static Module<Tensor, Tensor> Norm(NormKind kind, int dim, double eps) => kind switch
    {
        NormKind.LayerNorm => new AutocastLayerNorm(dim, eps),
        NormKind.RmsNorm => new RmsNorm(dim, eps),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, $"NormKind {kind} is not one of LayerNorm, RmsNorm."),
    };

    /// <summary>A norm when <paramref name="enabled"/>, else an identity (timm's <c>norm_layer(dim) if flag else nn.Identity()</c>).</summary>
    public static Module<Tensor, Tensor> NormOrIdentity(bool enabled, NormKind kind, int dim, double eps) =>
        enabled ? Norm(kind, dim, eps) : Identity();

    /// <summary>The activation module of <paramref name="kind"/> (timm's <c>act_layer()</c>).</summary>
    public static Module<Tensor, Tensor> Activation(ActivationKind kind) => kind switch
    {
        ActivationKind.Gelu => GELU(), // approximate = none: the exact erf form
        ActivationKind.GeluTanh => GELU(TorchSharp.Modules.GELU.Approximate.tanh),
        ActivationKind.QuickGelu => new QuickGelu(),
        ActivationKind.Silu => SiLU(),
        ActivationKind.Relu => ReLU(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, $"ActivationKind {kind} is not one of Gelu, GeluTanh, QuickGelu, Silu, Relu."),
    };
}
