namespace Vit.Data;

/// <summary>Deterministic splits of a dataset into two disjoint views.</summary>
public static class DatasetSplit
{
    /// <summary>
    /// Splits every class separately: of a class's n samples, round(n · heldOutFraction) go to the held-out part,
    /// chosen by a seeded shuffle of that class's indices (SplitMix64 seeded from (seed, class), Fisher–Yates).
    /// Both parts list their indices in ascending order. The result depends only on the labels, the fraction and
    /// the seed, on every platform and version.
    /// </summary>
    /// <param name="dataset">The dataset to split; it must outlive the two views.</param>
    /// <param name="heldOutFraction">Fraction of each class held out, in (0, 1).</param>
    /// <param name="seed">The seed.</param>
    /// <returns>The training part and the held-out part.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="heldOutFraction"/> is not in (0, 1).</exception>
    public static (SubsetDataset Train, SubsetDataset HeldOut) Stratified(IImageDataset dataset, double heldOutFraction, int seed)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (!(heldOutFraction > 0 && heldOutFraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(heldOutFraction), heldOutFraction, "The held-out fraction must be in (0, 1).");
        }

        var perClass = new List<int>[dataset.ClassNames.Count];
        for (int c = 0; c < perClass.Length; c++)
        {
            perClass[c] = [];
        }

        for (int i = 0; i < dataset.Count; i++)
        {
            perClass[dataset.GetLabel(i)].Add(i);
        }

        var train = new List<int>(dataset.Count);
        var heldOut = new List<int>();
        for (int c = 0; c < perClass.Length; c++)
        {
            int[] members = [.. perClass[c]];
            new SeedSequence(SeedSequence.Mix(seed, c)).Shuffle(members);
            int held = (int)Math.Round(members.Length * heldOutFraction, MidpointRounding.AwayFromZero);
            heldOut.AddRange(members.AsSpan(0, held));
            train.AddRange(members.AsSpan(held));
        }

        train.Sort();
        heldOut.Sort();
        return (new SubsetDataset(dataset, train), new SubsetDataset(dataset, heldOut));
    }
}
