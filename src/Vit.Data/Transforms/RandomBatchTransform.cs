using static TorchSharp.torch;

namespace Vit.Data;

/// <summary>
/// Base of the random transforms: accepts [C, H, W] or [B, C, H, W], draws every random number from a CPU
/// generator (its own, seeded from <see cref="Seed"/>, or one the <see cref="DataLoader"/> passes per batch) and
/// never modifies its input. Subclasses implement <see cref="ApplyToBatch"/> with whole-tensor operations.
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
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(generator);
        if (input.dim() is not (3 or 4))
        {
            throw new ArgumentException(
                $"{GetType().Name} takes images [C, H, W] or [B, C, H, W]; got shape [{string.Join(", ", input.shape)}].", nameof(input));
        }

        using var scope = NewDisposeScope();
        bool single = input.dim() == 3;
        Tensor batch = single ? input.unsqueeze(0) : input;
        Tensor result = ApplyToBatch(batch, generator);
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
    /// <param name="generator">The CPU generator to draw from.</param>
    /// <returns>A new tensor (intermediate tensors may be left to the enclosing dispose scope).</returns>
    protected abstract Tensor ApplyToBatch(Tensor images, Generator generator);

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
