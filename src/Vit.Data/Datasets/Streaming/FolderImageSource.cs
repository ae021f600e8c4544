namespace Vit.Data;

/// <summary>Images in a folder with one sub-folder per class (searched recursively), as <see cref="ImageFolderDataset"/> lists them.</summary>
internal sealed class FolderImageSource : IImageSource
{
    public FolderImageSource(string root, IReadOnlyList<string> extensions)
    {
        Root = root;
        var wanted = new HashSet<string>(extensions, StringComparer.OrdinalIgnoreCase);
        string[] classDirs = [.. Directory.GetDirectories(root).Order(StringComparer.Ordinal)];
        if (classDirs.Length == 0)
        {
            throw new InvalidDataException($"Image folder '{root}' has no class sub-folders; expected one sub-folder per class.");
        }

        var files = new List<(string, int)>();
        for (int c = 0; c < classDirs.Length; c++)
        {
            string[] images = [.. Directory.EnumerateFiles(classDirs[c], "*", SearchOption.AllDirectories)
                .Where(f => wanted.Contains(Path.GetExtension(f)))
                .Order(StringComparer.Ordinal)];
            if (images.Length == 0)
            {
                throw new InvalidDataException($"Class folder '{classDirs[c]}' holds no image ({string.Join(", ", extensions)}).");
            }

            files.AddRange(images.Select(f => (f, c)));
        }

        ClassNames = [.. classDirs.Select(d => Path.GetFileName(d)!)];
        Files = files;
    }

    public string Root { get; }

    public IReadOnlyList<string> ClassNames { get; }

    public IReadOnlyList<(string Name, int Label)> Files { get; }

    public Stream Open(int index) => File.OpenRead(Files[index].Name);

    public void Dispose()
    {
    }
}
