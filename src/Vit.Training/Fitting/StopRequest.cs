namespace Vit.Training;

/// <summary>
/// The early-stop request of <see cref="Trainer.RequestStop"/> and, with data parallelism, the ranks' agreement on it:
/// every rank stops (or is cancelled) once any rank asked, so none waits for the others.
/// </summary>
internal sealed class StopRequest
{
    /// <summary>Gets whether a stop was asked for since the last <see cref="Reset"/>.</summary>
    public bool Requested { get; private set; }

    public void Request() => Requested = true;

    /// <summary>Forgets an earlier request: each Fit starts without one.</summary>
    public void Reset() => Requested = false;

    /// <summary>Makes every rank's request (and cancellation) every rank's; one process has nothing to agree on.</summary>
    /// <exception cref="OperationCanceledException">This or another rank was cancelled.</exception>
    public void Agree(DataParallel? parallel, CancellationToken cancellationToken)
    {
        if (parallel is null)
        {
            return;
        }

        var (stop, cancel) = parallel.AnyRank(Requested, cancellationToken.IsCancellationRequested);
        Requested = stop;
        if (cancel)
        {
            cancellationToken.ThrowIfCancellationRequested();
            throw new OperationCanceledException("Another rank of the data-parallel job was cancelled.");
        }
    }
}
