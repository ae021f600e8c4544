using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using Vit.Training;

namespace Vit.Samples.FashionMnist;

/// <summary>
/// Shows training progress: a live Spectre.Console bar (epoch, step, loss, lr, images/s, ETA) on a terminal, plain
/// lines when the output is redirected (CI logs, files). Epoch results are printed as lines either way.
/// </summary>
/// <param name="enabled">Whether to print at all (false on the ranks of a data-parallel job other than rank 0).</param>
internal sealed class ConsoleReporter(bool enabled = true)
{
    private static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(10);
    private readonly bool _interactive = enabled && AnsiConsole.Profile.Capabilities.Interactive && !Console.IsOutputRedirected;

    /// <summary>Prints a line (above the live bar while one is shown).</summary>
    public void Line(string text)
    {
        if (!enabled)
        {
            return;
        }

        if (_interactive)
        {
            AnsiConsole.MarkupLine(Markup.Escape(text));
        }
        else
        {
            Console.WriteLine(text);
        }
    }

    /// <summary>Runs <paramref name="work"/>, showing the progress it reports.</summary>
    /// <param name="startStep">Updates already done (a resumed run).</param>
    /// <param name="totalSteps">Updates the run makes in all.</param>
    /// <param name="work">The training; receives the progress sink.</param>
    public T Track<T>(int startStep, int totalSteps, Func<IProgress<TrainingProgress>, T> work)
    {
        if (!_interactive)
        {
            return work(new PlainProgress(this));
        }

        return AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new SpinnerColumn())
            .Start(context =>
            {
                var task = context.AddTask("starting…", maxValue: totalSteps);
                task.Value = startStep;
                return work(new LiveProgress(this, task));
            });
    }

    private static string Describe(TrainingProgress p) => string.Create(
        CultureInfo.InvariantCulture,
        $"epoch {p.Epoch + 1}/{p.Epochs}  step {p.Step}/{p.TotalSteps}  loss {p.Loss:F3}  lr {p.LearningRate:0.00e0}  {p.ImagesPerSecond:F0} img/s  ETA {Clock(p.EstimatedRemaining)}");

    /// <summary>Gets or sets what the evaluated images are called in epoch lines ("held-out" or "validation").</summary>
    public string EvaluationName { get; set; } = "held-out";

    private string EpochLine(TrainingProgress p)
    {
        string line = string.Create(CultureInfo.InvariantCulture, $"epoch {p.Epoch + 1}/{p.Epochs}: train loss {p.Loss:F4}, {p.ImagesPerSecond:F0} img/s, elapsed {Clock(p.Elapsed)}");
        if (p.Evaluation is { } e)
        {
            line += string.Create(CultureInfo.InvariantCulture, $"; {EvaluationName} loss {e.Loss:F4}, top-1 {e.Top1Accuracy:F4}, top-5 {e.Top5Accuracy:F4}");
        }

        if (p.EmaEvaluation is { } a)
        {
            line += string.Create(CultureInfo.InvariantCulture, $"; weight average top-1 {a.Top1Accuracy:F4}, top-5 {a.Top5Accuracy:F4}");
        }

        return line;
    }

    private static string Clock(TimeSpan t) => t.TotalHours >= 1 ? t.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture) : t.ToString(@"m\:ss", CultureInfo.InvariantCulture);

    private sealed class LiveProgress(ConsoleReporter owner, ProgressTask task) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            task.Value = value.Step;
            if (value.Kind == TrainingProgressKind.Step)
            {
                task.Description = Markup.Escape(Describe(value));
            }
            else
            {
                owner.Line(owner.EpochLine(value));
            }
        }
    }

    private sealed class PlainProgress(ConsoleReporter owner) : IProgress<TrainingProgress>
    {
        private readonly Stopwatch _sinceLine = Stopwatch.StartNew();

        public void Report(TrainingProgress value)
        {
            if (value.Kind == TrainingProgressKind.Epoch)
            {
                owner.Line(owner.EpochLine(value));
                _sinceLine.Restart();
            }
            else if (_sinceLine.Elapsed >= PlainInterval)
            {
                owner.Line(Describe(value));
                _sinceLine.Restart();
            }
        }
    }
}
