using TorchSharp.Modules;

namespace Vit.Training;

/// <summary>One planned AdamW group: its parameters, its weight decay and its share of the scheduled learning rate.</summary>
internal sealed class ParameterGroupPlan(double weightDecay, double learningRateScale)
{
    public List<(string Name, Parameter Parameter)> Parameters { get; } = [];

    public double WeightDecay { get; } = weightDecay;

    /// <summary>Gets the factor on the schedule's rate (1 without layer decay; timm's <c>lr_scale</c>).</summary>
    public double LearningRateScale { get; } = learningRateScale;
}
