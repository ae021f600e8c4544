namespace Vit.Data;

/// <summary>Per-channel mean and standard deviation of a dataset's pixels, on the [0, 1] scale.</summary>
/// <remarks>
/// Feed these to <see cref="Normalize"/>. The mean is also Hide-and-Seek's fill value when hiding runs before
/// normalisation (after normalisation the mean is 0, Hide-and-Seek's default).
/// </remarks>
public sealed class ChannelStatistics
{
    /// <summary>Creates statistics from per-channel values.</summary>
    /// <param name="mean">Mean per channel.</param>
    /// <param name="std">Population standard deviation per channel.</param>
    /// <exception cref="ArgumentException">The lengths differ or are zero.</exception>
    public ChannelStatistics(IReadOnlyList<float> mean, IReadOnlyList<float> std)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        if (mean.Count == 0 || mean.Count != std.Count)
        {
            throw new ArgumentException($"Mean and std need one value per channel; got {mean.Count} and {std.Count}.", nameof(std));
        }

        Mean = [.. mean];
        Std = [.. std];
    }

    /// <summary>Gets the mean of each channel.</summary>
    public IReadOnlyList<float> Mean { get; }

    /// <summary>Gets the population standard deviation of each channel.</summary>
    public IReadOnlyList<float> Std { get; }

    /// <inheritdoc/>
    public override string ToString() =>
        $"mean [{string.Join(", ", Mean.Select(v => v.ToString("F4", System.Globalization.CultureInfo.InvariantCulture)))}], " +
        $"std [{string.Join(", ", Std.Select(v => v.ToString("F4", System.Globalization.CultureInfo.InvariantCulture)))}]";
}
