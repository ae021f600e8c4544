namespace Vit.Data;

/// <summary>
/// Fashion-MNIST (Xiao, Rasul and Vollgraf 2017; © Zalando SE, MIT licence): 28x28 grayscale images of articles in
/// 10 classes. The 10,000-image test split ships with the repository in <c>data/fashion-mnist</c>; the full
/// 70,000-image set is read when installed (Debian's <c>dataset-fashion-mnist</c> puts it in <see cref="SystemDirectory"/>).
/// </summary>
public static class FashionMnist
{
    /// <summary>Where Debian's <c>dataset-fashion-mnist</c> installs the four files.</summary>
    public const string SystemDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>The shipped split's folder, relative to the repository root.</summary>
    public const string ShippedRelativeDirectory = "data/fashion-mnist";

    /// <summary>The fraction of each class that <see cref="SplitShipped"/> holds out (200 of 1,000).</summary>
    public const double ShippedHeldOutFraction = 0.2;

    private const string TestImages = "t10k-images-idx3-ubyte.gz";
    private const string TestLabels = "t10k-labels-idx1-ubyte.gz";
    private const string TrainImages = "train-images-idx3-ubyte.gz";
    private const string TrainLabels = "train-labels-idx1-ubyte.gz";

    /// <summary>Gets the class names, by label.</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>
    /// Finds the shipped <c>data/fashion-mnist</c> folder by walking up from <paramref name="startDirectory"/>, or
    /// else from the application folder and then the working directory.
    /// </summary>
    /// <param name="startDirectory">Where to start; <see langword="null"/> for the defaults.</param>
    /// <returns>The folder, or <see langword="null"/> when none holds the test split.</returns>
    public static string? FindShippedDirectory(string? startDirectory = null)
    {
        string[] starts = startDirectory is null ? [AppContext.BaseDirectory, Directory.GetCurrentDirectory()] : [startDirectory];
        foreach (string start in starts)
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, ShippedRelativeDirectory);
                if (File.Exists(Path.Combine(candidate, TestImages)) && File.Exists(Path.Combine(candidate, TestLabels)))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    /// <summary>Loads the shipped 10,000-image test split.</summary>
    /// <param name="directory">The folder holding it; <see langword="null"/> to search (see <see cref="FindShippedDirectory"/>).</param>
    /// <returns>10,000 images, 1,000 per class.</returns>
    /// <exception cref="DirectoryNotFoundException">The folder was not found.</exception>
    public static InMemoryImageDataset LoadShippedTest(string? directory = null)
    {
        directory ??= FindShippedDirectory() ?? throw new DirectoryNotFoundException(
            $"The shipped Fashion-MNIST split ('{ShippedRelativeDirectory}' with {TestImages}) was not found above " +
            $"'{AppContext.BaseDirectory}' or '{Directory.GetCurrentDirectory()}'; pass its folder.");
        return LoadTest(directory);
    }

    /// <summary>Loads the 10,000-image test split from <paramref name="directory"/>.</summary>
    /// <param name="directory">A folder with <c>t10k-images-idx3-ubyte.gz</c> and <c>t10k-labels-idx1-ubyte.gz</c>.</param>
    /// <returns>The dataset.</returns>
    public static InMemoryImageDataset LoadTest(string directory) =>
        IdxDataset.Load(Path.Combine(directory, TestImages), Path.Combine(directory, TestLabels), ClassNames);

    /// <summary>Loads the 60,000-image training split from <paramref name="directory"/>.</summary>
    /// <param name="directory">A folder with <c>train-images-idx3-ubyte.gz</c> and <c>train-labels-idx1-ubyte.gz</c>;
    /// <see langword="null"/> for <see cref="SystemDirectory"/>.</param>
    /// <returns>The dataset.</returns>
    public static InMemoryImageDataset LoadTrain(string? directory = null)
    {
        directory ??= SystemDirectory;
        return IdxDataset.Load(Path.Combine(directory, TrainImages), Path.Combine(directory, TrainLabels), ClassNames);
    }

    /// <summary>Tells whether <paramref name="directory"/> holds all four files of the full set.</summary>
    /// <param name="directory">The folder; <see langword="null"/> for <see cref="SystemDirectory"/>.</param>
    /// <returns><see langword="true"/> when the 60,000 training and 10,000 test files are present.</returns>
    public static bool HasFullSet(string? directory = null)
    {
        directory ??= SystemDirectory;
        return new[] { TrainImages, TrainLabels, TestImages, TestLabels }.All(f => File.Exists(Path.Combine(directory, f)));
    }

    /// <summary>
    /// The documented split of the shipped test split for samples that have nothing else: per class, 200 images
    /// held out and 800 to train (8,000 / 2,000), via <see cref="DatasetSplit.Stratified"/> with
    /// <see cref="ShippedHeldOutFraction"/>. Same seed, same split, on every machine.
    /// </summary>
    /// <param name="shippedTest">The dataset from <see cref="LoadShippedTest"/>.</param>
    /// <param name="seed">The seed; 0 is the reference split.</param>
    /// <returns>The training part and the held-out part.</returns>
    public static (SubsetDataset Train, SubsetDataset HeldOut) SplitShipped(IImageDataset shippedTest, int seed = 0) =>
        DatasetSplit.Stratified(shippedTest, ShippedHeldOutFraction, seed);
}
