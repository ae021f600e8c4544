using TorchSharp;
using Vit.Core;
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

    // float64 [k + K * K]: top-j hits for j = 1..k (k = min(MaxTopK, K)), then the confusion counts by label * K + prediction.
    private Tensor? _detail;
    private long _detailClasses;

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
        _sums.add_(stack([lossSum.to(ScalarType.Float64), top1Hits.to(ScalarType.Float64), top5Hits.to(ScalarType.Float64), tensor((double)count, ScalarType.Float64, _sums.device)]), ScalarConstants.One);
    }

    /// <summary>Adds one batch's top-k hits and confusion counts (on the device, no wait).</summary>
    /// <param name="topIndexes">The k highest logits' class indices, [B, k] with k = min(MaxTopK, classes).</param>
    /// <param name="labels">Class indices [B], in [0, classes).</param>
    /// <param name="classes">The model's class count.</param>
    public void AddDetail(Tensor topIndexes, Tensor labels, long classes)
    {
        using var scope = NewDisposeScope();
        EnsureDetail(classes);
        long k = topIndexes.shape[1];
        // At most one of the k columns hits, so the running sum is 1 from the hit on: top-j hits for every j at once.
        var hits = topIndexes.eq(labels.unsqueeze(1)).to(ScalarType.Int64).cumsum(1).sum(0L).to(ScalarType.Float64);
        using var classCount = classes.ToScalar();
        var pairs = labels.mul(classCount).add(topIndexes.select(1, 0), ScalarConstants.One);
        var confusion = pairs.bincount(null, classes * classes).to(ScalarType.Float64);
        _detail!.add_(cat([hits, confusion]), ScalarConstants.One);
    }

    /// <summary>
    /// Adds the detail sums across the ranks of a data-parallel evaluation (<paramref name="sum"/> is an all-reduce),
    /// agreeing on the class count first, so a rank that saw no batch takes part with zeros.
    /// </summary>
    public void SumDetail(Action<Tensor> sum)
    {
        using var scope = NewDisposeScope();
        var known = tensor(new double[] { _detail is null ? 0 : _detailClasses, _detail is null ? 0 : 1 }, ScalarType.Float64, _sums.device);
        sum(known);
        var host = known.cpu().data<double>().ToArray();
        if (host[1] == 0)
        {
            return;
        }

        EnsureDetail((long)Math.Round(host[0] / host[1]));
        sum(_detail!);
    }

    private void EnsureDetail(long classes)
    {
        if (_detail is null)
        {
            _detailClasses = classes;
            _detail = zeros(Math.Min(EvaluationResult.MaxTopK, classes) + (classes * classes), ScalarType.Float64, _sums.device).DetachFromDisposeScope();
        }
        else if (_detailClasses != classes)
        {
            throw new ArgumentException($"The model's logits had {_detailClasses} classes in an earlier batch and {classes} now.");
        }
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
        var detail = _detail?.cpu().data<double>().ToArray();
        if (_labelRange is not null)
        {
            BatchChecks.ThrowIfOutOfRange(((long)host[4], (long)host[5]), _classes, parameterName);
        }

        double count = host[3];
        if (count == 0)
        {
            throw new ArgumentException("The evaluation data yielded no image.", parameterName);
        }

        var result = new EvaluationResult(host[0] / count, host[1] / count, host[2] / count, checked((int)count));
        return detail is null ? result : result with { TopKAccuracy = TopK(detail, count), ConfusionMatrix = Confusion(detail) };
    }

    private IReadOnlyList<double> TopK(double[] detail, double count) =>
        [.. detail.Take((int)Math.Min(EvaluationResult.MaxTopK, _detailClasses)).Select(hits => hits / count)];

    private ConfusionMatrix Confusion(double[] detail)
    {
        int k = (int)Math.Min(EvaluationResult.MaxTopK, _detailClasses), n = (int)_detailClasses;
        var counts = new long[n, n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                counts[i, j] = (long)detail[k + (i * n) + j];
            }
        }

        return new ConfusionMatrix(counts);
    }

    public void Dispose()
    {
        _detail?.Dispose();
        _sums.Dispose();
        _labelRange?.Dispose();
    }
}
