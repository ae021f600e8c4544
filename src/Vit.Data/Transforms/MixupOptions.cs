using System.ComponentModel.DataAnnotations;

namespace Vit.Data;

/// <summary>
/// Options of <see cref="Mixup"/>: Mixup (Zhang et al. 2018) and CutMix (Yun et al. 2019) as timm's
/// <c>timm.data.Mixup</c> defines them. Validated by <see cref="MixupOptionsValidator"/> (the constructor too).
/// </summary>
/// <remarks>DeiT's recipe: <c>MixupAlpha = 0.8, CutmixAlpha = 1.0, Probability = 1, SwitchProbability = 0.5, LabelSmoothing = 0.1</c>.</remarks>
public sealed class MixupOptions
{
    /// <summary>Gets or sets the α of Mixup's Beta(α, α) for λ; 0 turns Mixup off.</summary>
    /// <value>The default is 1.0 (timm's).</value>
    [Range(0.0, double.MaxValue)]
    public double MixupAlpha { get; set; } = 1.0;

    /// <summary>Gets or sets the α of CutMix's Beta(α, α) for λ; 0 turns CutMix off.</summary>
    /// <value>The default is 0 (timm's: CutMix off).</value>
    [Range(0.0, double.MaxValue)]
    public double CutmixAlpha { get; set; }

    /// <summary>Gets or sets the chance that a batch, pair or sample (see <see cref="Mode"/>) is mixed at all.</summary>
    /// <value>The default is 1.</value>
    [Range(0.0, 1.0)]
    public double Probability { get; set; } = 1.0;

    /// <summary>Gets or sets the chance of CutMix instead of Mixup when both alphas are above 0.</summary>
    /// <value>The default is 0.5.</value>
    [Range(0.0, 1.0)]
    public double SwitchProbability { get; set; } = 0.5;

    /// <summary>
    /// Gets or sets the label smoothing ε of the soft targets: a class gets 1 − ε + ε/K when it is the label, ε/K
    /// otherwise, before the two labels of a mixed sample are weighted by λ and 1 − λ.
    /// </summary>
    /// <value>The default is 0.1 (timm's).</value>
    [Range(0.0, 1.0)]
    public double LabelSmoothing { get; set; } = 0.1;

    /// <summary>Gets or sets the number of classes K: the width of the soft targets, and labels must be in [0, K).</summary>
    /// <value>The default is 1000 (timm's); set it to the dataset's.</value>
    [Range(1, int.MaxValue)]
    public int NumClasses { get; set; } = 1000;

    /// <summary>Gets or sets whether the parameters are drawn per batch, per pair or per sample.</summary>
    /// <value>The default is <see cref="MixupMode.Batch"/>.</value>
    [EnumDataType(typeof(MixupMode))]
    public MixupMode Mode { get; set; } = MixupMode.Batch;

    /// <summary>
    /// Gets or sets whether CutMix's λ is recomputed from the box after it is clipped to the image
    /// (1 − box area / image area), so the targets weigh each image by the area it really shows (timm's <c>correct_lam</c>).
    /// </summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool CorrectLambda { get; set; } = true;

    /// <summary>
    /// Gets or sets the seed of the streams <see cref="Mixup.Apply(TorchSharp.torch.Tensor, TorchSharp.torch.Tensor)"/>
    /// draws from (a <see cref="BatchLoader"/> passes its own per-batch streams instead).
    /// </summary>
    /// <value>The default is <see langword="null"/>: drawn at construction.</value>
    public int? Seed { get; set; }
}
