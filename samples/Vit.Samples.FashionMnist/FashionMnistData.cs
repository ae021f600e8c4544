using Vit.Data;
using Dataset = Vit.Data.FashionMnist;

namespace Vit.Samples.FashionMnist;

/// <summary>The training and test parts the sample uses, and where they came from.</summary>
internal sealed class FashionMnistData : IDisposable
{
    private readonly List<InMemoryImageDataset> _owned;

    private FashionMnistData(IImageDataset train, IImageDataset test, string description, bool isValidation, List<InMemoryImageDataset> owned)
    {
        Train = train;
        Test = test;
        Description = description;
        IsValidation = isValidation;
        _owned = owned;
    }

    /// <summary>The side of Fashion-MNIST's square images, in pixels (the files are checked against the upstream ones).</summary>
    public const int ImageSide = 28;

    /// <summary>Fashion-MNIST's channels: grayscale.</summary>
    public const int Channels = 1;

    /// <summary>Gets Fashion-MNIST's number of classes.</summary>
    public static int Classes => Dataset.ClassNames.Count;

    /// <summary>The seed of the validation split (fixed: every run that asks for the same fraction validates on the same images).</summary>
    public const int ValidationSeed = 0;

    /// <summary>Gets the training images.</summary>
    public IImageDataset Train { get; }

    /// <summary>Gets the held-out images (evaluated every epoch; never trained on): the test images, or the validation split.</summary>
    public IImageDataset Test { get; }

    /// <summary>Gets whether <see cref="Test"/> is a validation split of the training images (the test images are then not loaded).</summary>
    public bool IsValidation { get; }

    /// <summary>Gets what <see cref="Test"/> is called in the output ("Held-out" or "Validation").</summary>
    public string TestName => IsValidation ? "Validation" : "Held-out";

    /// <summary>Gets a one-line account of the data and the split.</summary>
    public string Description { get; }

    /// <summary>
    /// Loads the data: the full set (60,000 train / 10,000 test; shipped, or from <paramref name="directory"/>); a
    /// <paramref name="directory"/> that holds only the 10,000-image test split is divided by
    /// <see cref="ShippedFashionMnist.Split"/> into 8,000 to train and 2,000 held out (200 per class, seed 0).
    /// </summary>
    /// <param name="directory">A Fashion-MNIST folder, or <see langword="null"/> for the shipped data.</param>
    /// <param name="limit">Use only the first <paramref name="limit"/> training and <c>limit / 4</c> test images.</param>
    /// <param name="validationFraction">When above 0, hold out this fraction of each class of the training images
    /// (<see cref="DatasetSplit.Stratified"/>, seed <see cref="ValidationSeed"/>) and return them as <see cref="Test"/>;
    /// the test images are then not loaded.</param>
    /// <returns>The data.</returns>
    /// <exception cref="UsageException">The folder is missing, lacks the files, or they cannot be read.</exception>
    public static FashionMnistData Load(string? directory, int? limit, double validationFraction = 0)
    {
        var owned = new List<InMemoryImageDataset>();
        try
        {
            if (directory is not null && !Directory.Exists(directory))
            {
                throw new UsageException($"--data '{directory}' is not a folder.");
            }

            string? source = directory ?? ShippedFashionMnist.FindDirectory();
            if (source is not null && Dataset.HasFullSet(source))
            {
                owned.Add(Dataset.LoadTrain(source));
                if (validationFraction > 0)
                {
                    return Validation(owned[0], $"Fashion-MNIST from '{source}': of its {owned[0].Count:N0} training images", validationFraction, limit, owned);
                }

                owned.Add(Dataset.LoadTest(source));
                return Limited(owned[0], owned[1], $"Fashion-MNIST from '{source}': {owned[0].Count:N0} training images, {owned[1].Count:N0} test images", limit, isValidation: false, owned);
            }

            if (source is null || !Dataset.HasTestSplit(source))
            {
                throw new UsageException(directory is null
                    ? $"The shipped data ({ShippedFashionMnist.RelativeDirectory}) was not found above '{AppContext.BaseDirectory}' or the working directory; pass --data."
                    : $"--data '{directory}' holds neither the full set (train-/t10k-images-idx3-ubyte.gz and labels) nor the test split.");
            }

            owned.Add(Dataset.LoadTest(source));
            var (train, heldOut) = ShippedFashionMnist.Split(owned[0]);
            if (validationFraction > 0)
            {
                return Validation(train, $"Fashion-MNIST test split from '{source}' divided per class (seed 0): of its {train.Count:N0} training images", validationFraction, limit, owned);
            }

            return Limited(train, heldOut, $"Fashion-MNIST test split from '{source}' divided per class (seed 0): {train.Count:N0} to train, {heldOut.Count:N0} held out", limit, isValidation: false, owned);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or OverflowException)
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

    private static FashionMnistData Validation(IImageDataset train, string description, double fraction, int? limit, List<InMemoryImageDataset> owned)
    {
        var (rest, validation) = DatasetSplit.Stratified(train, fraction, ValidationSeed);
        return Limited(rest, validation, $"{description}, {rest.Count:N0} to train and {validation.Count:N0} to validate on (per class, seed {ValidationSeed}); the test images are not used", limit, isValidation: true, owned);
    }

    private static FashionMnistData Limited(IImageDataset train, IImageDataset test, string description, int? limit, bool isValidation, List<InMemoryImageDataset> owned)
    {
        if (limit is int n)
        {
            train = First(train, n);
            test = First(test, Math.Max(1, n / 4));
            description += $"; limited to {train.Count:N0} / {test.Count:N0}";
        }

        return new FashionMnistData(train, test, description, isValidation, owned);
    }

    private static SubsetDataset First(IImageDataset dataset, int count) =>
        new(dataset, [.. Enumerable.Range(0, Math.Min(count, dataset.Count))]);
}
