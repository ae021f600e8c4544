using TorchSharp;
using static TorchSharp.torch;

namespace Vit.Data;

/// <summary>Per-channel standardisation: (x − mean) / std, for [C, H, W] or [B, C, H, W] on any device.</summary>
public sealed class Normalize : torchvision.ITransform
{
    private readonly float[] _mean;
    private readonly float[] _std;

    /// <summary>Creates the transform from per-channel values (one value applies to every channel).</summary>
    /// <param name="mean">Mean per channel.</param>
    /// <param name="std">Standard deviation per channel; each must be positive.</param>
    /// <exception cref="ArgumentException">The lengths differ, are zero, or a std is not positive.</exception>
    public Normalize(IReadOnlyList<float> mean, IReadOnlyList<float> std)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        if (mean.Count == 0 || mean.Count != std.Count)
        {
            throw new ArgumentException($"Mean and std need the same number of channels; got {mean.Count} and {std.Count}.", nameof(std));
        }

        for (int c = 0; c < std.Count; c++)
        {
            if (!(std[c] > 0) || !float.IsFinite(std[c]) || !float.IsFinite(mean[c]))
            {
                throw new ArgumentException($"Channel {c}: std must be positive and finite and mean finite; got mean {mean[c]}, std {std[c]}.", nameof(std));
            }
        }

        _mean = [.. mean];
        _std = [.. std];
    }

    /// <summary>Creates the transform from a dataset's statistics.</summary>
    /// <param name="statistics">The statistics (see <see cref="DatasetStatistics.ComputeChannelStatistics"/>).</param>
    public Normalize(ChannelStatistics statistics)
        : this((statistics ?? throw new ArgumentNullException(nameof(statistics))).Mean, statistics.Std)
    {
    }

    /// <summary>Gets the mean per channel.</summary>
    public IReadOnlyList<float> Mean => _mean;

    /// <summary>Gets the standard deviation per channel.</summary>
    public IReadOnlyList<float> Std => _std;

    /// <summary>Standardises <paramref name="input"/> into a new tensor.</summary>
    /// <param name="input">Floating-point images, [C, H, W] or [B, C, H, W].</param>
    /// <returns>The standardised images.</returns>
    /// <exception cref="ArgumentException">The shape, dtype or channel count does not fit.</exception>
    public Tensor call(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.dim() is not (3 or 4) || !input.is_floating_point())
        {
            throw new ArgumentException(
                $"Normalize takes floating-point images [C, H, W] or [B, C, H, W]; got {input.dtype} [{string.Join(", ", input.shape)}].", nameof(input));
        }

        long channels = input.shape[^3];
        if (_mean.Length != 1 && _mean.Length != channels)
        {
            throw new ArgumentException($"Normalize has {_mean.Length} channel values but the images have {channels} channels.", nameof(input));
        }

        using var scope = NewDisposeScope();
        Tensor mean = tensor(_mean).to(input.dtype, input.device).view(-1, 1, 1);
        Tensor std = tensor(_std).to(input.dtype, input.device).view(-1, 1, 1);
        return input.sub(mean).div_(std).MoveToOuterDisposeScope();
    }
}
