namespace Vit.Samples.FineTune;

/// <summary>
/// A fine-tuning data folder: <c>train/</c> and <c>val/</c>, each with the same class sub-folders of images. Checked
/// before anything is trained; classes are ordered as <see cref="Vit.Data.ImageFolderDataset"/> orders them (ordinal).
/// </summary>
internal sealed class DataFolder
{
    private static readonly HashSet<string> Extensions = new([".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp"], StringComparer.OrdinalIgnoreCase);

    private DataFolder(string train, string validation, IReadOnlyList<string> classNames, IReadOnlyList<(string Path, int Label)> validationFiles)
    {
        Train = train;
        Validation = validation;
        ClassNames = classNames;
        ValidationFiles = validationFiles;
    }

    public string Train { get; }

    public string Validation { get; }

    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Gets every validation image with its label, class by class, files in ordinal order.</summary>
    public IReadOnlyList<(string Path, int Label)> ValidationFiles { get; }

    /// <summary>Checks the folder's layout.</summary>
    /// <exception cref="UsageException">No train/ or val/, no class folder, different class folders, or a class without images.</exception>
    public static DataFolder Open(string root)
    {
        if (!Directory.Exists(root))
        {
            throw new UsageException($"--data '{root}' does not exist.");
        }

        string train = Path.Combine(root, "train"), validation = Path.Combine(root, "val");
        foreach (var (folder, name) in new[] { (train, "train/"), (validation, "val/") })
        {
            if (!Directory.Exists(folder))
            {
                throw new UsageException($"--data '{root}' has no {name} folder: expected {name}<class>/<image> (and the other of train/ and val/).");
            }
        }

        var trainClasses = Classes(train);
        var validationClasses = Classes(validation);
        if (trainClasses.Length == 0)
        {
            throw new UsageException($"'{train}' has no class folders: expected one sub-folder of images per class.");
        }

        if (!trainClasses.SequenceEqual(validationClasses))
        {
            throw new UsageException(
                $"the class folders of train/ ({string.Join(", ", trainClasses)}) and val/ ({string.Join(", ", validationClasses)}) differ: "
                + $"only in train/: [{string.Join(", ", trainClasses.Except(validationClasses))}], only in val/: [{string.Join(", ", validationClasses.Except(trainClasses))}].");
        }

        var files = new List<(string Path, int Label)>();
        for (int c = 0; c < validationClasses.Length; c++)
        {
            foreach (var (folder, split) in new[] { (train, "train"), (validation, "val") })
            {
                var images = Images(Path.Combine(folder, trainClasses[c]));
                if (images.Length == 0)
                {
                    throw new UsageException($"class folder '{Path.Combine(folder, trainClasses[c])}' ({split}) holds no image ({string.Join(", ", Extensions)}).");
                }

                if (split == "val")
                {
                    files.AddRange(images.Select(f => (f, c)));
                }
            }
        }

        return new DataFolder(train, validation, trainClasses, files);
    }

    private static string[] Classes(string folder) => [.. Directory.GetDirectories(folder).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)];

    private static string[] Images(string folder) =>
        [.. Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Where(f => Extensions.Contains(Path.GetExtension(f))).Order(StringComparer.Ordinal)];
}
