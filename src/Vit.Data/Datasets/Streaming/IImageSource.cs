namespace Vit.Data;

/// <summary>Where a <see cref="StreamingImageFolder"/>'s files live: a folder on disk or a zip archive.</summary>
internal interface IImageSource : IDisposable
{
    /// <summary>Gets the path the dataset was opened from.</summary>
    string Root { get; }

    /// <summary>Gets the class names, sorted ordinally.</summary>
    IReadOnlyList<string> ClassNames { get; }

    /// <summary>Gets every image as (name, class index), classes in order, files ordinally sorted within a class.</summary>
    IReadOnlyList<(string Name, int Label)> Files { get; }

    /// <summary>Opens file <paramref name="index"/> as a seekable stream; safe to call from several threads at once.</summary>
    Stream Open(int index);
}
