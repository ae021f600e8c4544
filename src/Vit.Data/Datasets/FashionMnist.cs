namespace Vit.Data;

/// <summary>
/// Fashion-MNIST (Xiao, Rasul and Vollgraf 2017; © Zalando SE, MIT licence): 28x28 grayscale images of articles in
/// 10 classes, read from a folder holding the upstream IDX files (the 10,000-image test split, and for the full
/// 70,000-image set the 60,000-image training split too).
/// </summary>
public static class FashionMnist
{
    /// <summary>Gets the class names, by label.</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>Loads the 10,000-image test split from <paramref name="directory"/>.</summary>
    /// <param name="directory">A folder with <c>t10k-images-idx3-ubyte.gz</c> and <c>t10k-labels-idx1-ubyte.gz</c>.</param>
    /// <returns>The dataset.</returns>
    /// <exception cref="FileNotFoundException">A file is missing (the message names it).</exception>
    /// <exception cref="InvalidDataException">A file's length or SHA-256 is not the upstream file's (the message names the file).</exception>
    public static InMemoryImageDataset LoadTest(string directory) => Load(directory, FashionMnistFile.TestImages, FashionMnistFile.TestLabels);

    /// <summary>Loads the 60,000-image training split from <paramref name="directory"/>.</summary>
    /// <param name="directory">A folder with <c>train-images-idx3-ubyte.gz</c> and <c>train-labels-idx1-ubyte.gz</c>.</param>
    /// <returns>The dataset.</returns>
    /// <exception cref="FileNotFoundException">A file is missing (the message names it).</exception>
    /// <exception cref="InvalidDataException">A file's length or SHA-256 is not the upstream file's (the message names the file).</exception>
    public static InMemoryImageDataset LoadTrain(string directory) => Load(directory, FashionMnistFile.TrainImages, FashionMnistFile.TrainLabels);

    /// <summary>Tells whether <paramref name="directory"/> holds the two files of the test split.</summary>
    /// <param name="directory">The folder.</param>
    /// <returns><see langword="true"/> when <see cref="LoadTest"/> will find its files.</returns>
    public static bool HasTestSplit(string directory) =>
        new[] { FashionMnistFile.TestImages, FashionMnistFile.TestLabels }.All(f => File.Exists(f.In(directory)));

    /// <summary>Tells whether <paramref name="directory"/> holds all four files of the full set.</summary>
    /// <param name="directory">The folder.</param>
    /// <returns><see langword="true"/> when the 60,000 training and 10,000 test files are present.</returns>
    public static bool HasFullSet(string directory) =>
        HasTestSplit(directory) && new[] { FashionMnistFile.TrainImages, FashionMnistFile.TrainLabels }.All(f => File.Exists(f.In(directory)));

    // Both files are checked before either is parsed: a swapped or damaged file is named before any allocation.
    private static InMemoryImageDataset Load(string directory, FashionMnistFile images, FashionMnistFile labels)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        images.Verify(directory);
        labels.Verify(directory);
        return IdxFiles.Load(images.In(directory), labels.In(directory), ClassNames);
    }
}
