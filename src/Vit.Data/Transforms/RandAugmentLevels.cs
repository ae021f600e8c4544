namespace Vit.Data;

/// <summary>
/// timm's magnitude-to-argument rules (<c>LEVEL_TO_ARG</c> in <c>timm/data/auto_augment.py</c>), with its level
/// denominator of 10.
/// </summary>
internal static class RandAugmentLevels
{
    private const double Denominator = 10.0;

    /// <summary>Whether the operation's argument gets a random sign (timm's <c>_randomly_negate</c>).</summary>
    public static bool IsSigned(RandAugmentOp op, bool increasing) => op switch
    {
        RandAugmentOp.Rotate or RandAugmentOp.ShearX or RandAugmentOp.ShearY or RandAugmentOp.TranslateXRel or RandAugmentOp.TranslateYRel => true,
        RandAugmentOp.Color or RandAugmentOp.Contrast or RandAugmentOp.Brightness or RandAugmentOp.Sharpness => increasing,
        _ => false,
    };

    /// <summary>
    /// The argument of <paramref name="op"/> at <paramref name="magnitude"/>: degrees (Rotate), bits kept
    /// (Posterize), a threshold level (Solarize), levels added (SolarizeAdd), a blend factor (Color, Contrast,
    /// Brightness, Sharpness), a shear factor, or a fraction of the side (Translate*Rel); 0 for the others.
    /// </summary>
    public static double Argument(RandAugmentOp op, double magnitude, bool negate, bool increasing)
    {
        double level = magnitude / Denominator;
        double sign = negate ? -1.0 : 1.0;
        return op switch
        {
            RandAugmentOp.Rotate => sign * level * 30.0,
            RandAugmentOp.Posterize => increasing ? 4 - (int)(level * 4) : (int)(level * 4),
            RandAugmentOp.Solarize => increasing ? 256 - Math.Min(256, (int)(level * 256)) : Math.Min(256, (int)(level * 256)),
            RandAugmentOp.SolarizeAdd => Math.Min(128, (int)(level * 110)),
            RandAugmentOp.Color or RandAugmentOp.Contrast or RandAugmentOp.Brightness or RandAugmentOp.Sharpness =>
                increasing ? Math.Max(0.1, 1.0 + (sign * level * 0.9)) : (level * 1.8) + 0.1,
            RandAugmentOp.ShearX or RandAugmentOp.ShearY => sign * level * 0.3,
            RandAugmentOp.TranslateXRel or RandAugmentOp.TranslateYRel => sign * level * 0.45,
            _ => 0.0,
        };
    }
}
