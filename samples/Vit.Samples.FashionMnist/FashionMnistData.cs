using Vit.Data;
using Dataset = Vit.Data.FashionMnist;

namespace Vit.Samples.FashionMnist;

/// <summary>The training and test parts the sample uses, and where they came from.</summary>
internal sealed class FashionMnistData : IDisposable
{
    private readonly List<InMemoryImageDataset> _owned;

    private FashionMnistData(IImageDataset train, IImageDataset test, string description, List<InMemoryImageDataset> owned)
    {
        Train = train;
        Test = test;
        Description = description;
        _owned = owned;
    }

    /// <summary>Gets the training images.</summary>
    public IImageDataset Train { get; }

    /// <summary>Gets the held-out images (evaluated every epoch; never trained on).</summary>
    public IImageDataset Test { get; }

    /// <summary>Gets a one-line account of the data and the split.</summary>
    public string Description { get; }

    /// <summary>
    /// Loads the data: the full set (60,000 train / 10,000 test) when <paramref name="directory"/> holds all four
    /// files; otherwise the 10,000-image test split (shipped, or from <paramref name="directory"/>) divided by
    /// <see cref="ShippedFashionMnist.Split"/> into 8,000 to train and 2,000 held out (200 per class, seed 0).
    /// </summary>
    /// <param name="directory">A Fashion-MNIST folder, or <see langword="null"/> for the shipped data.</param>
    /// <param name="limit">Use only the first <paramref name="limit"/> training and <c>limit / 4</c> test images.</param>
    /// <returns>The data.</returns>
    /// <exception cref="UsageException">The folder is missing, lacks the files, or they cannot be read.</exception>
    public static FashionMnistData Load(string? directory, int? limit)
    {
        var owned = new List<InMemoryImageDataset>();
        try
        {
            if (directory is not null && !Directory.Exists(directory))
            {
                throw new UsageException($"--data '{directory}' is not a folder.");
            }

            if (directory is not null && Dataset.HasFullSet(directory))
            {
                owned.Add(Dataset.LoadTrain(directory));
                owned.Add(Dataset.LoadTest(directory));
                return Limited(owned[0], owned[1], $"Fashion-MNIST from '{directory}': {owned[0].Count:N0} training images, {owned[1].Count:N0} test images", limit, owned);
            }

            string? source = directory ?? ShippedFashionMnist.FindDirectory();
            if (source is null || !Dataset.HasTestSplit(source))
            {
                throw new UsageException(directory is null
                    ? $"The shipped data ({ShippedFashionMnist.RelativeDirectory}) was not found above '{AppContext.BaseDirectory}' or the working directory; pass --data."
                    : $"--data '{directory}' holds neither the full set (train-/t10k-images-idx3-ubyte.gz and labels) nor the test split.");
            }

            owned.Add(Dataset.LoadTest(source));
            var (train, heldOut) = ShippedFashionMnist.Split(owned[0]);
            return Limited(train, heldOut, $"Fashion-MNIST test split from '{source}' divided per class (seed 0): {train.Count:N0} to train, {heldOut.Count:N0} held out", limit, owned);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            owned.ForEach(d => d.Dispose());
            throw new UsageException($"--data: the Fashion-MNIST files could not be read: {e.Message}", e);
        }
        catch
        {
            owned.ForEach(d => d.Dispose());
            throw;
        }
    }

    /// <summary>Frees the loaded images.</summary>
    public void Dispose() => _owned.ForEach(d => d.Dispose());

    private static FashionMnistData Limited(IImageDataset train, IImageDataset test, string description, int? limit, List<InMemoryImageDataset> owned)
    {
        if (limit is int n)
        {
            train = First(train, n);
            test = First(test, Math.Max(1, n / 4));
            description += $"; limited to {train.Count:N0} / {test.Count:N0}";
        }

        return new FashionMnistData(train, test, description, owned);
    }

    private static SubsetDataset First(IImageDataset dataset, int count) =>
        new(dataset, [.. Enumerable.Range(0, Math.Min(count, dataset.Count))]);
}
