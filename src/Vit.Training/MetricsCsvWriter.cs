using System.Globalization;
using System.Text;

namespace Vit.Training;

/// <summary>
/// Appends training and evaluation rows to a CSV file (invariant culture, flushed per row, so a crash loses at most
/// the row being written). A resumed run appends to the same file; the header is written only to a new file.
/// Rows are <c>train</c>, <c>eval</c> (the trained weights) and <c>eval_ema</c> (the EMA weights).
/// </summary>
internal sealed class MetricsCsvWriter : IDisposable
{
    /// <summary>The <c>kind</c> of evaluation rows of the trained weights.</summary>
    public const string EvaluationKind = "eval";

    /// <summary>The <c>kind</c> of evaluation rows of the EMA weights.</summary>
    public const string EmaEvaluationKind = "eval_ema";

    public const string Header = "kind,epoch,step,loss,learning_rate,grad_norm,images_per_second,elapsed_seconds,top1,top5";
    private readonly StreamWriter _writer;

    public MetricsCsvWriter(string path)
    {
        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
        _writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        if (stream.Length == 0)
        {
            _writer.WriteLine(Header);
            _writer.Flush();
        }
    }

    public void WriteTrain(int epoch, int step, double loss, double learningRate, double gradientNorm, double imagesPerSecond, TimeSpan elapsed) =>
        Write("train", epoch, step, loss, learningRate, gradientNorm, imagesPerSecond, elapsed, null);

    public void WriteEvaluation(string kind, int epoch, int step, EvaluationResult result, TimeSpan elapsed) =>
        Write(kind, epoch, step, result.Loss, double.NaN, double.NaN, double.NaN, elapsed, result);

    public void Dispose() => _writer.Dispose();

    private void Write(string kind, int epoch, int step, double loss, double learningRate, double gradientNorm, double imagesPerSecond, TimeSpan elapsed, EvaluationResult? evaluation)
    {
        _writer.WriteLine(string.Join(
            ',',
            kind,
            epoch.ToString(CultureInfo.InvariantCulture),
            step.ToString(CultureInfo.InvariantCulture),
            Number(loss),
            Number(learningRate),
            Number(gradientNorm),
            Number(imagesPerSecond),
            Number(elapsed.TotalSeconds),
            Number(evaluation?.Top1Accuracy ?? double.NaN),
            Number(evaluation?.Top5Accuracy ?? double.NaN)));
        _writer.Flush();
    }

    // Empty cells for "not measured", so spreadsheet tools and pandas read them as missing.
    private static string Number(double value) => double.IsNaN(value) ? string.Empty : value.ToString("R", CultureInfo.InvariantCulture);
}
