using static TorchSharp.torch;

namespace Vit.Data;

/// <summary>
/// Base of the random transforms: accepts [C, H, W] or [B, C, H, W], draws each image's random numbers from that
/// image's <see cref="SampleStreams"/> stream (the loader's, keyed by the sample; or streams keyed by position
/// from the transform's own generator, seeded from <see cref="Seed"/>) and never modifies its input. Subclasses
/// implement <see cref="ApplyToBatch"/>: a few numbers per image drawn on the host, then whole-tensor operations.
/// </summary>
public abstract class RandomBatchTransform : IRandomTransform, IDisposable
{
    private readonly Generator _generator;
    private readonly object _lock = new();

    /// <summary>Creates the transform and its own generator.</summary>
    /// <param name="seed">Seed of the transform's own generator; <see langword="null"/> draws one.</param>
    protected RandomBatchTransform(int? seed)
    {
        Seed = seed;
        _generator = new Generator(unchecked((ulong)(seed ?? Random.Shared.Next())), CPU);
    }

    /// <summary>Gets the seed of the transform's own generator (<see langword="null"/>: drawn at construction).</summary>
    public int? Seed { get; }

    /// <summary>Applies the transform with the transform's own generator (thread-safe; calls are serialised).</summary>
    /// <param name="input">Images, [C, H, W] or [B, C, H, W].</param>
    /// <returns>A new tensor.</returns>
    public Tensor call(Tensor input)
    {
        lock (_lock)
        {
            return Apply(input, _generator);
        }
    }

    /// <inheritdoc/>
    public Tensor Apply(Tensor input, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        return Apply(input, SampleStreams.FromGenerator(generator, ImageCount(input)));
    }

    /// <inheritdoc/>
    public Tensor Apply(Tensor input, SampleStreams streams)
    {
        ArgumentNullException.ThrowIfNull(streams);
        int count = ImageCount(input);
        if (streams.Count != count)
        {
            throw new ArgumentException(
                $"{GetType().Name} got {streams.Count} sample streams for {count} images; pass one stream per image.", nameof(streams));
        }

        using var scope = NewDisposeScope();
        bool single = input.dim() == 3;
        Tensor batch = single ? input.unsqueeze(0) : input;
        Tensor result = ApplyToBatch(batch, streams);
        if (ReferenceEquals(result, batch))
        {
            result = batch.clone();
        }

        if (single)
        {
            result = result.squeeze(0);
        }

        return result.MoveToOuterDisposeScope();
    }

    /// <summary>Frees the transform's own generator.</summary>
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Applies the transform to a batch [B, C, H, W] without modifying it.</summary>
    /// <param name="images">The batch.</param>
    /// <param name="streams">One stream per image; image b draws only from sample b's.</param>
    /// <returns>A new tensor (intermediate tensors may be left to the enclosing dispose scope).</returns>
    protected abstract Tensor ApplyToBatch(Tensor images, SampleStreams streams);

    private int ImageCount(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.dim() is not (3 or 4))
        {
            throw new ArgumentException(
                $"{GetType().Name} takes images [C, H, W] or [B, C, H, W]; got shape [{string.Join(", ", input.shape)}].", nameof(input));
        }

        return input.dim() == 3 ? 1 : (int)input.shape[0];
    }

    /// <summary>Frees the generator.</summary>
    /// <param name="disposing"><see langword="true"/> from <see cref="Dispose()"/>.</param>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            _generator.Dispose();
        }
    }
}
