using System.Diagnostics;

namespace Vit.Training;

/// <summary>The progress reports Fit sends: per step and per epoch, with the run's clock and loss/throughput windows.</summary>
public sealed partial class Trainer
{
    private TrainingProgress StepReport(int epoch, RunClock run, Window window) =>
        Report(TrainingProgressKind.Step, epoch, run, window, evaluation: null, emaEvaluation: null);

    private TrainingProgress EpochReport(int epoch, RunClock run, Window whole, EvaluationResult? evaluation, EvaluationResult? emaEvaluation) =>
        Report(TrainingProgressKind.Epoch, epoch, run, whole, evaluation, emaEvaluation);

    private TrainingProgress Report(TrainingProgressKind kind, int epoch, RunClock run, Window window, EvaluationResult? evaluation, EvaluationResult? emaEvaluation) => new()
    {
        Kind = kind,
        Epoch = epoch,
        Epochs = _options.Epochs,
        Step = Step,
        TotalSteps = run.TotalSteps,
        Loss = window.MeanLoss,
        LearningRate = LastLearningRate,
        GradientNorm = LastGradientNorm,
        ImagesPerSecond = window.ImagesPerSecond(run.Elapsed),
        Elapsed = run.Elapsed,
        EstimatedRemaining = run.Remaining(Step),
        SkippedSteps = SkippedSteps,
        Evaluation = evaluation,
        EmaEvaluation = emaEvaluation,
    };

    /// <summary>Wall time of a Fit run and its ETA from this run's mean time per update.</summary>
    private sealed class RunClock(int startStep, int totalSteps)
    {
        private readonly Stopwatch _watch = Stopwatch.StartNew();

        public int TotalSteps { get; } = totalSteps;

        public TimeSpan Elapsed => _watch.Elapsed;

        public TimeSpan Remaining(int step) => step <= startStep
            ? TimeSpan.Zero
            : Elapsed / (step - startStep) * Math.Max(0, TotalSteps - step);
    }

    /// <summary>Loss and throughput over a stretch of updates (non-finite losses of skipped updates left out).</summary>
    private sealed class Window(TimeSpan start)
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
}
