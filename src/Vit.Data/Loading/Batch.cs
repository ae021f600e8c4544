using TorchSharp;
using static TorchSharp.torch;

namespace Vit.Data;

/// <summary>
/// One batch of images, their class labels and the targets a loss trains on. A batch owns its tensors and frees them
/// on <see cref="Dispose"/>.
/// </summary>
/// <remarks>
/// <para><see cref="Targets"/> is what training uses: the same tensor as <see cref="Labels"/> (int64 class indices
/// [B]) unless a batch step such as Mixup/CutMix replaced it with soft targets (float probabilities [B, K]).
/// <see cref="Labels"/> always stays the original class indices.</para>
/// <para>Batches handed out by <see cref="BatchLoader.Epoch(int, CancellationToken)"/> are disposed by the loader as soon as the consumer asks for
/// the next one (or leaves the loop), so do not keep one, or any view of its tensors, past its loop iteration.
/// To keep a batch, call <see cref="Clone"/>; the clone belongs to the caller, who disposes it.
/// The tensors are not attached to any <see cref="torch.NewDisposeScope"/>, so a scope the consumer opens inside the
/// loop never frees them by accident.</para>
/// </remarks>
public sealed class Batch : IDisposable
{
    private readonly Tensor _images;
    private readonly Tensor _labels;
    private readonly Tensor _targets;
    private bool _disposed;

    /// <summary>Creates a batch that takes ownership of <paramref name="images"/> and <paramref name="labels"/>; its targets are the labels.</summary>
    /// <param name="images">Images, shape [B, C, H, W].</param>
    /// <param name="labels">Class indices, shape [B].</param>
    /// <exception cref="ArgumentException">The shapes do not fit together.</exception>
    public Batch(Tensor images, Tensor labels)
        : this(images, labels, targets: null, epoch: 0, index: 0)
    {
    }

    /// <summary>Creates a batch with its own training targets, taking ownership of all three tensors.</summary>
    /// <param name="images">Images, shape [B, C, H, W].</param>
    /// <param name="labels">Class indices, shape [B].</param>
    /// <param name="targets">What the loss trains on, B rows (soft targets are float [B, K]); <see langword="null"/> uses the labels.</param>
    /// <exception cref="ArgumentException">The shapes do not fit together.</exception>
    public Batch(Tensor images, Tensor labels, Tensor? targets)
        : this(images, labels, targets, epoch: 0, index: 0)
    {
    }

    internal Batch(Tensor images, Tensor labels, int epoch, int index)
        : this(images, labels, targets: null, epoch, index)
    {
    }

    internal Batch(Tensor images, Tensor labels, Tensor? targets, int epoch, int index)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        if (images.dim() != 4)
        {
            throw new ArgumentException(
                $"Batch images must have shape [B, C, H, W]; got [{string.Join(", ", images.shape)}].", nameof(images));
        }

        if (labels.dim() != 1 || labels.shape[0] != images.shape[0])
        {
            throw new ArgumentException(
                $"Batch labels must have shape [{images.shape[0]}] to match the images; got [{string.Join(", ", labels.shape)}].",
                nameof(labels));
        }

        if (targets is not null && (targets.dim() < 1 || targets.shape[0] != images.shape[0]))
        {
            throw new ArgumentException(
                $"Batch targets must have {images.shape[0]} rows to match the images (soft targets: [{images.shape[0]}, K]); got [{string.Join(", ", targets.shape)}].",
                nameof(targets));
        }

        _images = images.DetachFromDisposeScope();
        _labels = labels.DetachFromDisposeScope();
        _targets = targets is null || ReferenceEquals(targets, labels) ? _labels : targets.DetachFromDisposeScope();
        Count = (int)images.shape[0];
        Epoch = epoch;
        Index = index;
    }

    /// <summary>Gets the images, shape [B, C, H, W] (float32 when produced by a <see cref="BatchLoader"/>).</summary>
    /// <exception cref="ObjectDisposedException">The batch was disposed.</exception>
    public Tensor Images
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _images;
        }
    }

    /// <summary>Gets the class indices, shape [B] (int64 when produced by a <see cref="BatchLoader"/>).</summary>
    /// <exception cref="ObjectDisposedException">The batch was disposed.</exception>
    public Tensor Labels
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _labels;
        }
    }

    /// <summary>
    /// Gets what the loss trains on: the same tensor as <see cref="Labels"/>, unless a batch step set soft targets
    /// (float [B, K] probabilities, as Mixup and CutMix make).
    /// </summary>
    /// <exception cref="ObjectDisposedException">The batch was disposed.</exception>
    public Tensor Targets
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _targets;
        }
    }

    /// <summary>Gets a value indicating whether <see cref="Targets"/> is a tensor of its own rather than <see cref="Labels"/>.</summary>
    public bool HasOwnTargets => !ReferenceEquals(_targets, _labels);

    /// <summary>Gets the number of samples in the batch (B).</summary>
    public int Count { get; }

    /// <summary>Gets the epoch this batch belongs to (0 for batches built by hand).</summary>
    public int Epoch { get; }

    /// <summary>Gets the position of this batch within its epoch, from 0 (0 for batches built by hand).</summary>
    public int Index { get; }

    /// <summary>
    /// Copies the batch into new tensors that belong to the caller (not to the loader, not to any dispose scope).
    /// </summary>
    /// <returns>An independent batch; dispose it when done.</returns>
    public Batch Clone()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var labels = _labels.clone();
        return new Batch(_images.clone(), labels, HasOwnTargets ? _targets.clone() : null, Epoch, Index);
    }

    /// <summary>Frees the tensors. Safe to call more than once.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _images.Dispose();
        _labels.Dispose();
        if (HasOwnTargets)
        {
            _targets.Dispose();
        }
    }
}
