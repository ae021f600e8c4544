namespace Vit.Data;

/// <summary>What <see cref="RandomErasing"/> writes into an erased box (timm's <c>mode</c>).</summary>
public enum RandomErasingMode
{
    /// <summary>A constant: <see cref="RandomErasingOptions.FillValue"/> (0 by default, the mean after <see cref="Normalize"/>).</summary>
    Const,

    /// <summary>One standard-normal colour per box and channel.</summary>
    Rand,

    /// <summary>Standard-normal noise per pixel and channel.</summary>
    Pixel,
}
