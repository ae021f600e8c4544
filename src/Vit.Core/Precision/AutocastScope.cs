namespace Vit.Core;

/// <summary>What <see cref="Autocast.Enable"/> returns: disposing it restores the setting in force before the scope.</summary>
internal sealed class AutocastScope : IDisposable
{
    private readonly TorchSharp.torch.ScalarType? _previous;
    private bool _disposed;

    public AutocastScope(TorchSharp.torch.ScalarType? previous) => _previous = previous;

    /// <summary>Restores the previous setting (as PyTorch's <c>__exit__</c> does); a second call does nothing.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Autocast.Restore(_previous);
    }
}
