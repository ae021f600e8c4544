namespace Vit.Inference;

/// <summary>Where a centre crop (or pad) places its window when the sizes differ by an odd number of pixels.</summary>
internal enum CropAlignment
{
    /// <summary>torchvision's <c>CenterCrop</c> and timm's <c>CenterCropOrPad</c>: pad <c>floor(d / 2)</c> before, crop from <c>round(d / 2)</c> (half to even).</summary>
    Torchvision,

    /// <summary>transformers' <c>center_crop</c>: the window starts at <c>floor((size - crop) / 2)</c>, also when that is negative (padding).</summary>
    Transformers,
}
