using System.ComponentModel.DataAnnotations;

namespace Vit.Data;

/// <summary>Options for <see cref="ImageFolderDataset.Load"/>, validated by <see cref="ImageFolderOptionsValidator"/>.</summary>
public sealed class ImageFolderOptions
{
    /// <summary>
    /// Gets or sets the channels images are converted to: 1 (grayscale, ITU-R BT.601 luma, rounded) or 3 (RGB).
    /// Alpha is dropped (colours are taken unpremultiplied, not composited).
    /// </summary>
    /// <value>The default is 3.</value>
    [AllowedValues(1, 3)]
    public int Channels { get; set; } = 3;

    /// <summary>
    /// Gets or sets the height every image is resized to (with <see cref="Width"/>; the aspect ratio is not kept).
    /// When both are <see langword="null"/>, every image must have the size of the first one.
    /// </summary>
    /// <value>The default is <see langword="null"/>.</value>
    [Range(1, int.MaxValue)]
    public int? Height { get; set; }

    /// <summary>Gets or sets the width every image is resized to (see <see cref="Height"/>).</summary>
    /// <value>The default is <see langword="null"/>.</value>
    [Range(1, int.MaxValue)]
    public int? Width { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether files that fail to decode are skipped and reported in
    /// <see cref="ImageFolderDataset.Skipped"/> instead of failing the load.
    /// </summary>
    /// <value>The default is <see langword="false"/>: the first undecodable file throws <see cref="InvalidDataException"/>.</value>
    public bool SkipUndecodable { get; set; }

    /// <summary>Gets or sets the file extensions (case-insensitive, with the dot) that count as images.</summary>
    /// <value>The default is .png, .jpg, .jpeg, .bmp, .gif and .webp.</value>
    [Required]
    [MinLength(1)]
    public IReadOnlyList<string> Extensions { get; set; } = [".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp"];
}
