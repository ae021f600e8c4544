namespace Vit.Data;

/// <summary>An image file that <see cref="ImageFolderDataset.Load"/> skipped, and why.</summary>
/// <param name="Path">The file.</param>
/// <param name="Reason">Why it was skipped.</param>
public sealed record SkippedImage(string Path, string Reason);
