using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Vit.Training;

/// <summary>
/// Builds TorchSharp's AdamW with timm's two parameter groups: weights are decayed; every parameter with
/// ndim &lt;= 1 (biases, LayerNorm weights), every name ending in <c>.bias</c>, and the model's
/// <c>no_weight_decay</c> names (<c>pos_embed</c>, <c>cls_token</c>, <c>reg_token</c>, <c>dist_token</c>) are not.
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
    public static IReadOnlyList<string> NoWeightDecayNames { get; } = ["pos_embed", "cls_token", "reg_token", "dist_token"];

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
        var trained = namedParameters.Where(p => p.parameter.requires_grad).Select(p => (p.name, p.parameter)).ToList();
        return Create(Plan(trained, weightDecay, scales: null), learningRate, beta1, beta2, epsilon);
    }

    /// <summary>
    /// Plans the AdamW groups of the trainable <paramref name="trained"/> parameters. Without layer scales: timm's two
    /// groups, not decayed then decayed (both kept, even when empty). With them: one group per (layer scale, decayed or
    /// not) in the order timm's <c>param_groups_layer_decay</c> meets them.
    /// </summary>
    internal static List<ParameterGroupPlan> Plan(IReadOnlyList<(string Name, Parameter Parameter)> trained, double weightDecay, IReadOnlyDictionary<string, double>? scales)
    {
        if (scales is null)
        {
            var noDecay = new ParameterGroupPlan(0, 1.0);
            var decay = new ParameterGroupPlan(weightDecay, 1.0);
            foreach (var (name, parameter) in trained)
            {
                (IsExemptFromWeightDecay(name, parameter) ? noDecay : decay).Parameters.Add((name, parameter));
            }

            return [noDecay, decay];
        }

        var groups = new List<ParameterGroupPlan>();
        var byKey = new Dictionary<(double Scale, bool Decayed), ParameterGroupPlan>();
        foreach (var (name, parameter) in trained)
        {
            bool decayed = !IsExemptFromWeightDecay(name, parameter);
            double scale = scales[name];
            if (!byKey.TryGetValue((scale, decayed), out var group))
            {
                group = new ParameterGroupPlan(decayed ? weightDecay : 0, scale);
                byKey.Add((scale, decayed), group);
                groups.Add(group);
            }

            group.Parameters.Add((name, parameter));
        }

        return groups;
    }

    /// <summary>Creates AdamW with one group per planned group (its state list follows the plan's parameter order).</summary>
    internal static AdamW Create(IReadOnlyList<ParameterGroupPlan> plan, double learningRate, double beta1, double beta2, double epsilon)
    {
        var groups = plan.Select(g => new AdamW.ParamGroup(
            g.Parameters.Select(p => p.Parameter), lr: learningRate * g.LearningRateScale, beta1: beta1, beta2: beta2, eps: epsilon, weight_decay: g.WeightDecay)).ToList();
        return optim.AdamW(groups, learningRate, beta1, beta2, epsilon, 0);
    }

    /// <summary>Creates AdamW for a model with the optimizer settings of <paramref name="options"/>.</summary>
    /// <param name="model">The model, already on its device.</param>
    /// <param name="options">Supplies <c>LearningRate</c>, <c>Beta1</c>, <c>Beta2</c>, <c>Epsilon</c> and <c>WeightDecay</c>
    /// (<c>LayerDecay</c> is the trainer's: for your own loop, multiply each parameter's rate by <see cref="LayerDecayScales.For"/>).</param>
    /// <returns>The optimizer (see <see cref="Create(IEnumerable{ValueTuple{string, Parameter}}, double, double, double, double, double)"/>).</returns>
    public static AdamW Create(nn.Module model, TrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        return Create(model.named_parameters(), options.LearningRate, options.Beta1, options.Beta2, options.Epsilon, options.WeightDecay);
    }

    /// <summary>
    /// Creates AdamW for a loop of your own with the groups the <see cref="Trainer"/> uses: with
    /// <see cref="TrainerOptions.LayerDecay"/> set, one group per (layer scale, decayed or not) as timm's
    /// <c>param_groups_layer_decay</c>; otherwise the non-decayed and the decayed group.
    /// </summary>
    /// <param name="model">The model, already on its device (a <see cref="Vit.Core.VisionTransformer"/> or an <see cref="ILayerDecayModel"/> for layer decay).</param>
    /// <param name="options">Supplies <c>LearningRate</c>, <c>Beta1</c>, <c>Beta2</c>, <c>Epsilon</c>, <c>WeightDecay</c> and <c>LayerDecay</c>.</param>
    /// <param name="learningRateScales">Each group's factor on the scheduled rate, in <c>ParamGroups</c> order (timm's
    /// <c>lr_scale</c>): set <c>group.LearningRate = schedule(t) * scale</c> before each <c>step()</c>.</param>
    /// <returns>The optimizer, every group at <c>LearningRate * scale</c>.</returns>
    /// <exception cref="ArgumentException">Layer decay on a model that does not say its layers.</exception>
    public static AdamW Create(nn.Module model, TrainerOptions options, out IReadOnlyList<double> learningRateScales)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        var scales = options.LayerDecay is double decay ? LayerDecayScales.For(model, decay) : null;
        var trained = model.named_parameters().Where(p => p.parameter.requires_grad).Select(p => (p.name, p.parameter)).ToList();
        var plan = Plan(trained, options.WeightDecay, scales);
        learningRateScales = [.. plan.Select(g => g.LearningRateScale)];
        return Create(plan, options.LearningRate, options.Beta1, options.Beta2, options.Epsilon);
    }
}
