using System.Globalization;
using Vit.Core;

namespace Vit.Training;

/// <summary>Names, rotation and atomic copies of the checkpoints <c>Trainer.Fit</c> writes.</summary>
internal static class CheckpointFiles
{
    public const string BestFileName = "best.safetensors";
    private const string Prefix = "checkpoint-";
    private const string Extension = ".safetensors";

    /// <summary>The path of the checkpoint taken after <paramref name="step"/> updates.</summary>
    public static string PathFor(string directory, int step) =>
        Path.Combine(directory, string.Create(CultureInfo.InvariantCulture, $"{Prefix}{step:D8}{Extension}"));

    /// <summary>The checkpoints in <paramref name="directory"/>, oldest first (by step), ignoring temp and other files.</summary>
    public static List<(int Step, string Path)> List(string directory)
    {
        var found = new List<(int, string)>();
        foreach (var path in Directory.EnumerateFiles(directory, Prefix + "*" + Extension))
        {
            var name = Path.GetFileName(path);
            var digits = name[Prefix.Length..^Extension.Length];
            if (int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int step))
            {
                found.Add((step, path));
            }
        }

        found.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        return found;
    }

    /// <summary>Deletes all but the newest <paramref name="keep"/> checkpoints.</summary>
    public static void KeepLast(string directory, int keep)
    {
        var all = List(directory);
        for (int i = 0; i < all.Count - keep; i++)
        {
            File.Delete(all[i].Path);
        }
    }

    /// <summary>Copies a checkpoint over <paramref name="destination"/> (<see cref="AtomicFile.Copy"/>).</summary>
    public static void CopyAtomically(string source, string destination) => AtomicFile.Copy(source, destination);
}
