using System.IO.Compression;

namespace Vit.Data;

/// <summary>
/// Images in a zip archive whose top-level folders are the classes (or one top-level folder holding them). Each
/// thread reads through its own <see cref="ZipArchive"/> (they are not thread-safe); an entry is inflated into memory
/// because decoders need a seekable stream.
/// </summary>
internal sealed class ZipImageSource : IImageSource
{
    private readonly ThreadLocal<ZipArchive> _archives;
    private readonly int[] _entryIndex;

    public ZipImageSource(string path, IReadOnlyList<string> extensions)
    {
        Root = path;
        _archives = new ThreadLocal<ZipArchive>(() => ZipFile.OpenRead(path), trackAllValues: true);
        var wanted = new HashSet<string>(extensions, StringComparer.OrdinalIgnoreCase);
        var entries = _archives.Value!.Entries;
        var images = new List<(string[] Parts, int Entry)>();
        for (int e = 0; e < entries.Count; e++)
        {
            string name = entries[e].FullName.Replace('\\', '/');
            if (!name.EndsWith('/') && wanted.Contains(Path.GetExtension(name)))
            {
                images.Add((name.Split('/', StringSplitOptions.RemoveEmptyEntries), e));
            }
        }

        // One shared top-level folder above the class folders (how "zip -r data.zip train/" stores it) is skipped.
        int depth = images.Count > 0 && images.All(i => i.Parts.Length >= 3) && images.Select(i => i.Parts[0]).Distinct().Count() == 1 ? 1 : 0;
        var inClasses = images.Where(i => i.Parts.Length >= depth + 2).ToList();
        if (inClasses.Count == 0)
        {
            throw new InvalidDataException($"Zip archive '{path}' has no image inside a class folder ({string.Join(", ", extensions)}); expected one folder per class.");
        }

        string[] classes = [.. inClasses.Select(i => i.Parts[depth]).Distinct().Order(StringComparer.Ordinal)];
        var byClass = classes.Select((name, label) => (name, label)).ToDictionary(p => p.name, p => p.label, StringComparer.Ordinal);
        var ordered = inClasses
            .Select(i => (Name: string.Join('/', i.Parts), Label: byClass[i.Parts[depth]], i.Entry))
            .OrderBy(i => i.Label).ThenBy(i => i.Name, StringComparer.Ordinal)
            .ToList();
        ClassNames = classes;
        Files = [.. ordered.Select(i => ($"{path}!{i.Name}", i.Label))];
        _entryIndex = [.. ordered.Select(i => i.Entry)];
    }

    public string Root { get; }

    public IReadOnlyList<string> ClassNames { get; }

    public IReadOnlyList<(string Name, int Label)> Files { get; }

    public Stream Open(int index)
    {
        var entry = _archives.Value!.Entries[_entryIndex[index]];
        var buffer = new MemoryStream(checked((int)entry.Length));
        using (var inflated = entry.Open())
        {
            inflated.CopyTo(buffer);
        }

        buffer.Position = 0;
        return buffer;
    }

    public void Dispose()
    {
        foreach (var archive in _archives.Values)
        {
            archive.Dispose();
        }

        _archives.Dispose();
    }
}
