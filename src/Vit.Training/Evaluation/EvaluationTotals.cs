using TorchSharp;
using static TorchSharp.torch;

namespace Vit.Training;

/// <summary>
/// The running sums of an evaluation pass, kept on the device so that no batch waits for it: one float64 tensor
/// <c>[loss sum, top-1 hits, top-5 hits, images]</c>. Sums of disjoint shards add up to the sums of the whole, so a
/// sharded evaluation reduces <see cref="Sums"/> across its workers (an all-reduce with SUM) before <see cref="ToResult"/>.
/// </summary>
internal sealed class EvaluationTotals : IDisposable
{
    private readonly Tensor _sums;
    private Tensor? _labelRange;
    private long _classes = long.MaxValue;

    public EvaluationTotals(Device device)
    {
        using var scope = NewDisposeScope();
        _sums = zeros(4, ScalarType.Float64, device).DetachFromDisposeScope();
    }

    /// <summary>Gets the sums tensor: float64 [4] = loss sum, top-1 hits, top-5 hits, image count.</summary>
    public Tensor Sums => _sums;

    /// <summary>Adds one batch's sums (device scalars).</summary>
    public void Add(Tensor lossSum, Tensor top1Hits, Tensor top5Hits, long count)
    {
        using var scope = NewDisposeScope();
        _sums.add_(stack([lossSum.to(ScalarType.Float64), top1Hits.to(ScalarType.Float64), top5Hits.to(ScalarType.Float64), tensor((double)count, ScalarType.Float64, _sums.device)]));
    }

    /// <summary>Tracks the range of class indices that live on the device, to check it at the end without waiting per batch.</summary>
    public void TrackLabelRange(Tensor labels, long classes)
    {
        using var scope = NewDisposeScope();
        _classes = Math.Min(_classes, classes);
        var range = stack([labels.min(), labels.max()]);
        if (_labelRange is null)
        {
            _labelRange = range.clone().DetachFromDisposeScope();
        }
        else
        {
            _labelRange[0] = minimum(_labelRange[0], range[0]);
            _labelRange[1] = maximum(_labelRange[1], range[1]);
        }
    }

    /// <summary>Waits for the device once and turns the sums into means.</summary>
    /// <exception cref="ArgumentException">No image was evaluated.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label on the device was outside the model's classes.</exception>
    /// <param name="parameterName">The caller's parameter the data came from, for the exceptions.</param>
    public EvaluationResult ToResult(string parameterName)
    {
        using var scope = NewDisposeScope();
        var host = (_labelRange is null ? _sums : cat([_sums, _labelRange.to(ScalarType.Float64)])).cpu().data<double>().ToArray();
        if (_labelRange is not null)
        {
            BatchChecks.ThrowIfOutOfRange(((long)host[4], (long)host[5]), _classes, parameterName);
        }

        double count = host[3];
        if (count == 0)
        {
            throw new ArgumentException("The evaluation data yielded no image.", parameterName);
        }

        return new EvaluationResult(host[0] / count, host[1] / count, host[2] / count, checked((int)count));
    }

    public void Dispose()
    {
        _sums.Dispose();
        _labelRange?.Dispose();
    }
}
