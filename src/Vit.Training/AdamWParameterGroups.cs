using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Vit.Training;

/// <summary>
/// Builds TorchSharp's AdamW with timm's two parameter groups: weights are decayed; every parameter with
/// ndim &lt;= 1 (biases, LayerNorm weights), every name ending in <c>.bias</c>, and the model's
/// <c>no_weight_decay</c> names (<c>pos_embed</c>, <c>cls_token</c>, <c>dist_token</c>) are not.
/// </summary>
/// <remarks>
/// TorchSharp's <c>torch.optim.AdamW</c> defaults to <c>weight_decay = 0</c> (PyTorch's is 0.01), so each group here
/// sets every option explicitly. Frozen parameters (<c>requires_grad == false</c>) are left out, as timm does.
/// Build the optimizer after the model is on its device and its weights are loaded: <c>module.to(...)</c> makes
/// new <see cref="Parameter"/> objects.
/// </remarks>
public static class AdamWParameterGroups
{
    /// <summary>Parameter names that are never decayed, whatever their rank (timm's <c>VisionTransformer.no_weight_decay()</c>).</summary>
    public static IReadOnlyList<string> NoWeightDecayNames { get; } = ["pos_embed", "cls_token", "dist_token"];

    /// <summary>Returns whether timm's rule exempts a parameter from weight decay.</summary>
    /// <param name="name">The parameter's <c>named_parameters()</c> name, e.g. <c>blocks.0.attn.qkv.bias</c>.</param>
    /// <param name="parameter">The parameter (its rank decides for norm weights).</param>
    /// <returns><see langword="true"/> when the parameter belongs to the group without weight decay.</returns>
    public static bool IsExemptFromWeightDecay(string name, Tensor parameter)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(parameter);
        if (parameter.ndim <= 1 || name.EndsWith(".bias", StringComparison.Ordinal))
        {
            return true;
        }

        // A ViT wrapped in another module reports "model.pos_embed": match the last path segment too.
        foreach (var special in NoWeightDecayNames)
        {
            if (name == special || name.EndsWith("." + special, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Creates AdamW over <paramref name="namedParameters"/> with a decayed and a non-decayed group.</summary>
    /// <param name="namedParameters">The model's <c>named_parameters()</c>.</param>
    /// <param name="learningRate">The initial learning rate of both groups (a schedule usually overwrites it per update).</param>
    /// <param name="beta1">First-moment decay.</param>
    /// <param name="beta2">Second-moment decay.</param>
    /// <param name="epsilon">Denominator term.</param>
    /// <param name="weightDecay">Decoupled weight decay of the decayed group.</param>
    /// <returns>An optimizer whose <c>ParamGroups</c> are, in order, the non-decayed and the decayed group (timm's order).</returns>
    public static AdamW Create(
        IEnumerable<(string name, Parameter parameter)> namedParameters,
        double learningRate,
        double beta1,
        double beta2,
        double epsilon,
        double weightDecay)
    {
        ArgumentNullException.ThrowIfNull(namedParameters);
        var (noDecay, decay) = Split(namedParameters);
        return Create(noDecay, decay, learningRate, beta1, beta2, epsilon, weightDecay);
    }

    /// <summary>Creates AdamW over groups already split by <see cref="Split"/> (their order is the optimizer's state order).</summary>
    internal static AdamW Create(List<Parameter> noDecay, List<Parameter> decay, double learningRate, double beta1, double beta2, double epsilon, double weightDecay)
    {
        var groups = new[]
        {
            new AdamW.ParamGroup(noDecay, lr: learningRate, beta1: beta1, beta2: beta2, eps: epsilon, weight_decay: 0),
            new AdamW.ParamGroup(decay, lr: learningRate, beta1: beta1, beta2: beta2, eps: epsilon, weight_decay: weightDecay),
        };
        return optim.AdamW(groups, learningRate, beta1, beta2, epsilon, weightDecay);
    }

    /// <summary>Creates AdamW for a model with the optimizer settings of <paramref name="options"/>.</summary>
    /// <param name="model">The model, already on its device.</param>
    /// <param name="options">Supplies <c>LearningRate</c>, <c>Beta1</c>, <c>Beta2</c>, <c>Epsilon</c> and <c>WeightDecay</c>.</param>
    /// <returns>The optimizer (see <see cref="Create(IEnumerable{ValueTuple{string, Parameter}}, double, double, double, double, double)"/>).</returns>
    public static AdamW Create(nn.Module model, TrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        return Create(model.named_parameters(), options.LearningRate, options.Beta1, options.Beta2, options.Epsilon, options.WeightDecay);
    }

    /// <summary>Splits trainable parameters into (not decayed, decayed) by timm's rule.</summary>
    internal static (List<Parameter> NoDecay, List<Parameter> Decay) Split(IEnumerable<(string name, Parameter parameter)> namedParameters)
    {
        var noDecay = new List<Parameter>();
        var decay = new List<Parameter>();
        foreach (var (name, parameter) in namedParameters)
        {
            if (!parameter.requires_grad)
            {
                continue;
            }

            (IsExemptFromWeightDecay(name, parameter) ? noDecay : decay).Add(parameter);
        }

        return (noDecay, decay);
    }
}
