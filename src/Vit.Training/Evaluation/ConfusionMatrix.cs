using System.Globalization;

namespace Vit.Training;

/// <summary>
/// Counts of (label, top-1 prediction) pairs over an evaluation: <c>this[actual, predicted]</c>. Rows are labels,
/// columns predictions, as scikit-learn's <c>confusion_matrix</c>.
/// </summary>
public sealed class ConfusionMatrix : IEquatable<ConfusionMatrix>
{
    private readonly long[] _counts;

    /// <summary>Creates a matrix from counts.</summary>
    /// <param name="counts">Counts by [label, prediction]; square, at least 1 x 1, none negative. Copied.</param>
    /// <exception cref="ArgumentException">The counts are not square or hold a negative number.</exception>
    public ConfusionMatrix(long[,] counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        int n = counts.GetLength(0);
        if (n == 0 || counts.GetLength(1) != n)
        {
            throw new ArgumentException($"A confusion matrix must be square and not empty; got {counts.GetLength(0)} x {counts.GetLength(1)}.", nameof(counts));
        }

        _counts = new long[n * n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                if (counts[i, j] < 0)
                {
                    throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"counts[{i}, {j}] is {counts[i, j]}; counts cannot be negative."), nameof(counts));
                }

                _counts[(i * n) + j] = counts[i, j];
            }
        }

        NumClasses = n;
        PerClass = [.. Enumerable.Range(0, n).Select(Metrics)];
    }

    /// <summary>Gets the number of classes (rows and columns).</summary>
    public int NumClasses { get; }

    /// <summary>Gets the number of images evaluated (the sum of all counts).</summary>
    public long Total => _counts.Sum();

    /// <summary>Gets per-class precision, recall, F1 and support, by class index.</summary>
    public IReadOnlyList<ClassMetrics> PerClass { get; }

    /// <summary>Gets the unweighted mean of the classes' F1 (scikit-learn's <c>average="macro"</c>).</summary>
    public double MacroF1 => PerClass.Average(c => c.F1);

    /// <summary>Gets how many images of class <paramref name="actual"/> were predicted as <paramref name="predicted"/>.</summary>
    /// <param name="actual">The label (row).</param>
    /// <param name="predicted">The top-1 prediction (column).</param>
    public long this[int actual, int predicted]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(actual);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(actual, NumClasses);
            ArgumentOutOfRangeException.ThrowIfNegative(predicted);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(predicted, NumClasses);
            return _counts[(actual * NumClasses) + predicted];
        }
    }

    /// <summary>Returns a copy of the counts as [label, prediction].</summary>
    /// <returns>The counts.</returns>
    public long[,] ToArray()
    {
        var result = new long[NumClasses, NumClasses];
        for (int i = 0; i < NumClasses; i++)
        {
            for (int j = 0; j < NumClasses; j++)
            {
                result[i, j] = _counts[(i * NumClasses) + j];
            }
        }

        return result;
    }

    /// <inheritdoc />
    public bool Equals(ConfusionMatrix? other) => other is not null && _counts.AsSpan().SequenceEqual(other._counts);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as ConfusionMatrix);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(NumClasses, Total);

    private ClassMetrics Metrics(int c)
    {
        long hits = _counts[(c * NumClasses) + c];
        long support = 0, predicted = 0;
        for (int k = 0; k < NumClasses; k++)
        {
            support += _counts[(c * NumClasses) + k];
            predicted += _counts[(k * NumClasses) + c];
        }

        double precision = predicted == 0 ? 0 : (double)hits / predicted;
        double recall = support == 0 ? 0 : (double)hits / support;
        double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
        return new ClassMetrics(c, precision, recall, f1, support);
    }
}
