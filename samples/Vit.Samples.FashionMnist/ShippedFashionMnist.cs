using Vit.Data;

namespace Vit.Samples.FashionMnist;

/// <summary>
/// Where this repository keeps Fashion-MNIST (the full set: 60,000 training and 10,000 test images, in
/// <see cref="RelativeDirectory"/>) and how the sample splits a folder that holds only the test split.
/// </summary>
/// <remarks>Also compiled into the benchmarks, which read the same files.</remarks>
internal static class ShippedFashionMnist
{
    /// <summary>The shipped data's folder, relative to the repository root.</summary>
    public const string RelativeDirectory = "data/fashion-mnist";

    /// <summary>Where Debian's <c>dataset-fashion-mnist</c> package installs the full set.</summary>
    public const string DebianDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>The fraction of each class <see cref="Split"/> holds out (200 of 1,000).</summary>
    public const double HeldOutFraction = 0.2;

    /// <summary>
    /// Finds the shipped folder by walking up from <paramref name="startDirectory"/>, or else from the application
    /// folder and then the working directory.
    /// </summary>
    /// <param name="startDirectory">Where to start; <see langword="null"/> for the defaults.</param>
    /// <returns>The folder, or <see langword="null"/> when none above holds the full set.</returns>
    public static string? FindDirectory(string? startDirectory = null)
    {
        string[] starts = startDirectory is null ? [AppContext.BaseDirectory, Directory.GetCurrentDirectory()] : [startDirectory];
        foreach (string start in starts)
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, RelativeDirectory);
                if (Vit.Data.FashionMnist.HasFullSet(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    /// <summary>
    /// The sample's split of a test split given alone with <c>--data</c>: per class, 200 images held out and 800 to train (8,000 / 2,000), via
    /// <see cref="DatasetSplit.Stratified"/>. Same seed, same split, on every machine.
    /// </summary>
    /// <param name="testSplit">The 10,000 test images.</param>
    /// <param name="seed">The seed; 0 is the sample's split.</param>
    /// <returns>The training part and the held-out part.</returns>
    public static (SubsetDataset Train, SubsetDataset HeldOut) Split(IImageDataset testSplit, int seed = 0) =>
        DatasetSplit.Stratified(testSplit, HeldOutFraction, seed);
}
