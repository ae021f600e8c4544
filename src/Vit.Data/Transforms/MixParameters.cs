namespace Vit.Data;

/// <summary>
/// What <see cref="Mixup"/> does to one sample: λ (the weight of the sample itself in its targets), and for
/// CutMix the pasted box [Top, Bottom) x [Left, Right) (empty for Mixup or no mixing).
/// </summary>
internal readonly record struct MixParameters(double Lambda, bool Cutmix, int Top, int Bottom, int Left, int Right)
{
    /// <summary>The sample is left as it is.</summary>
    public static MixParameters None { get; } = new(1.0, false, 0, 0, 0, 0);

    /// <summary>Gets whether the sample is mixed with its partner at all.</summary>
    public bool Mixes => Cutmix ? Bottom > Top && Right > Left : Lambda != 1.0;
}
