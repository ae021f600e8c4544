using static TorchSharp.torch;

namespace Vit.Data;

/// <summary>Mirrors each image left–right independently with probability <see cref="Probability"/>.</summary>
public sealed class RandomHorizontalFlip : RandomBatchTransform
{
    /// <summary>Creates the transform.</summary>
    /// <param name="probability">Chance that an image is flipped, in [0, 1].</param>
    /// <param name="seed">Seed of the transform's own generator (see <see cref="RandomBatchTransform"/>).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="probability"/> is outside [0, 1].</exception>
    public RandomHorizontalFlip(double probability = 0.5, int? seed = null)
        : base(seed)
    {
        if (!(probability >= 0 && probability <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(probability), probability, "The flip probability must be in [0, 1].");
        }

        Probability = probability;
    }

    /// <summary>Gets the chance that an image is flipped.</summary>
    public double Probability { get; }

    /// <inheritdoc/>
    protected override Tensor ApplyToBatch(Tensor images, SampleStreams streams)
    {
        int batch = (int)images.shape[0];
        var flips = new bool[batch];
        for (int b = 0; b < batch; b++)
        {
            flips[b] = streams.ForSample(b).NextBoolean(Probability);
        }

        Tensor flip = tensor(flips).to(images.device);
        return where(flip.view(batch, 1, 1, 1), images.flip(3), images);
    }
}
