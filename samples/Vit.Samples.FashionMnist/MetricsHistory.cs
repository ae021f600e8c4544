using System.Globalization;

namespace Vit.Samples.FashionMnist;

/// <summary>The rows of a run's <c>metrics.csv</c> (as <c>Trainer.Fit</c> writes it), for the charts.</summary>
internal sealed class MetricsHistory
{
    /// <summary>Gets the training rows: update, mean loss since the previous row, learning rate.</summary>
    public List<(int Step, double Loss, double LearningRate)> Train { get; } = [];

    /// <summary>Gets the evaluation rows: update, epoch (1-based), loss, top-1, top-5.</summary>
    public List<(int Step, int Epoch, double Loss, double Top1, double Top5)> Evaluations { get; } = [];

    /// <summary>Gets the evaluations of the moving average of the weights (empty when the run kept none).</summary>
    public List<(int Step, int Epoch, double Loss, double Top1, double Top5)> EmaEvaluations { get; } = [];

    /// <summary>Reads the file; columns are found by their header names.</summary>
    /// <exception cref="InvalidDataException">The header lacks a column the charts need.</exception>
    public static MetricsHistory Read(string path)
    {
        var history = new MetricsHistory();
        using var reader = new StreamReader(path);
        string[] header = (reader.ReadLine() ?? string.Empty).Split(',');
        int Column(string name) => Array.IndexOf(header, name) is int i && i >= 0
            ? i
            : throw new InvalidDataException($"'{path}' has no '{name}' column.");
        int kind = Column("kind"), epoch = Column("epoch"), step = Column("step"), loss = Column("loss"),
            lr = Column("learning_rate"), top1 = Column("top1"), top5 = Column("top5");
        for (string? line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            string[] cells = line.Split(',');
            if (cells.Length != header.Length)
            {
                continue; // a row cut short by a crash
            }

            if (cells[kind] == "train")
            {
                history.Train.Add((Int(cells[step]), Number(cells[loss]), Number(cells[lr])));
            }
            else if (cells[kind] is "eval" or "eval_ema")
            {
                var list = cells[kind] == "eval" ? history.Evaluations : history.EmaEvaluations;
                list.Add((Int(cells[step]), Int(cells[epoch]) + 1, Number(cells[loss]), Number(cells[top1]), Number(cells[top5])));
            }
        }

        return history;
    }

    private static int Int(string text) => int.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture);

    private static double Number(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) ? value : double.NaN;
}
