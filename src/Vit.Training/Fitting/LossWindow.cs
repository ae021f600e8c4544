namespace Vit.Training;

/// <summary>Loss and throughput over a stretch of updates (non-finite losses of skipped updates left out).</summary>
internal sealed class LossWindow(TimeSpan start)
{
    private double _lossSum;
    private int _losses;
    private long _images;

    public double MeanLoss => _losses == 0 ? double.NaN : _lossSum / _losses;

    public void Add(float loss, int images)
    {
        _images += images;
        if (float.IsFinite(loss))
        {
            _lossSum += loss;
            _losses++;
        }
    }

    public double ImagesPerSecond(TimeSpan now) => _images / Math.Max(1e-9, (now - start).TotalSeconds);
}
