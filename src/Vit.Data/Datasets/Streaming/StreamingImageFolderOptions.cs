using System.ComponentModel.DataAnnotations;

namespace Vit.Data;

/// <summary>Options for <see cref="StreamingImageFolder.Open"/>, validated by <see cref="StreamingImageFolderOptionsValidator"/>.</summary>
public sealed class StreamingImageFolderOptions
{
    /// <summary>Gets or sets the number of threads the dataset owns to read and decode images.</summary>
    /// <value>The default is 2.</value>
    [Range(1, 256)]
    public int DecodeThreads { get; set; } = 2;

    /// <summary>
    /// Gets or sets the most images decoded at once (full-resolution pixels held while they are resized): the dataset's
    /// own memory is at most this many decoded images plus the batches being assembled, whatever the folder's size.
    /// The effective cap is the smaller of this and <see cref="DecodeThreads"/>.
    /// </summary>
    /// <value>The default is 16.</value>
    [Range(1, 4096)]
    public int MaxDecodedInFlight { get; set; } = 16;

    /// <summary>
    /// Gets or sets a value indicating whether a file that fails to decode is reported once (in
    /// <see cref="StreamingImageFolder.Skipped"/> and as a logger warning) and replaced by the next decodable sample of
    /// its class, instead of failing its batch.
    /// </summary>
    /// <value>The default is <see langword="false"/>: the batch holding an undecodable file throws <see cref="InvalidDataException"/> naming it.</value>
    public bool SkipUndecodable { get; set; }

    /// <summary>Gets or sets the file extensions (case-insensitive, with the dot) that count as images.</summary>
    /// <value>The default is .png, .jpg, .jpeg, .bmp, .gif and .webp.</value>
    [Required]
    [MinLength(1)]
    public IReadOnlyList<string> Extensions { get; set; } = [".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp"];
}
