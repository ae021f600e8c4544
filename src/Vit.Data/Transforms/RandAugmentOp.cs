namespace Vit.Data;

/// <summary>
/// The operations <see cref="RandAugment"/> chooses from: timm's RandAugment set (<c>_RAND_TRANSFORMS</c>), in its order.
/// </summary>
public enum RandAugmentOp
{
    /// <summary>Stretches each channel to the full [0, 1] range (PIL <c>ImageOps.autocontrast</c>).</summary>
    AutoContrast,

    /// <summary>Equalizes each channel's 256-bin histogram (PIL <c>ImageOps.equalize</c>).</summary>
    Equalize,

    /// <summary>1 − x.</summary>
    Invert,

    /// <summary>Rotates about the centre by up to ±30° at magnitude 10.</summary>
    Rotate,

    /// <summary>Keeps the top bits of each 8-bit level: 4 − int(4·m/10) bits with <c>Increasing</c>, else int(4·m/10).</summary>
    Posterize,

    /// <summary>Inverts levels at or above a threshold (256·(1 − m/10) with <c>Increasing</c>, else 256·m/10).</summary>
    Solarize,

    /// <summary>Adds up to 110 levels (at magnitude 10) to levels below 128.</summary>
    SolarizeAdd,

    /// <summary>Blends with the grayscale image (saturation); RGB only.</summary>
    Color,

    /// <summary>Blends with the image's mean gray level.</summary>
    Contrast,

    /// <summary>Blends with black (scales the values).</summary>
    Brightness,

    /// <summary>Blends with a 3x3-smoothed image (PIL's SMOOTH kernel; border pixels kept).</summary>
    Sharpness,

    /// <summary>Shears along x by up to ±0.3 at magnitude 10.</summary>
    ShearX,

    /// <summary>Shears along y by up to ±0.3 at magnitude 10.</summary>
    ShearY,

    /// <summary>Translates along x by up to ±45% of the width at magnitude 10.</summary>
    TranslateXRel,

    /// <summary>Translates along y by up to ±45% of the height at magnitude 10.</summary>
    TranslateYRel,
}
