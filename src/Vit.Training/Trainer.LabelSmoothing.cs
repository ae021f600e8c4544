using System.Globalization;
using Vit.Data;

namespace Vit.Training;

public sealed partial class Trainer
{
    private bool _warnedSmoothedTwice;

    /// <summary>
    /// Refuses a loader whose Mixup/CutMix makes soft targets while <see cref="TrainerOptions.LabelSmoothing"/> is not 0:
    /// the loss would smooth targets Mixup already smoothed (timm trains Mixup batches with a soft-target loss and no
    /// smoothing of its own).
    /// </summary>
    /// <exception cref="ArgumentException">Both are set; the message names both settings and their values.</exception>
    private void ThrowIfSmoothedTwice(BatchLoader train)
    {
        if (_options.LabelSmoothing > 0 && train.BatchTransform is Mixup mixup)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"TrainerOptions.LabelSmoothing is {_options.LabelSmoothing} and the loader's Mixup makes soft targets (MixupOptions.LabelSmoothing {mixup.LabelSmoothing}): the loss would smooth them a second time. ")
                + "Set TrainerOptions.LabelSmoothing = 0 and put the smoothing in MixupOptions.LabelSmoothing (timm's practice).",
                nameof(train));
        }
    }

    /// <summary>Logs once per trainer that soft targets are smoothed again (a loop of one's own cannot be checked as <see cref="Fit(BatchLoader, BatchLoader?, IProgress{TrainingProgress}?, CancellationToken)"/> checks its loader).</summary>
    private void WarnOnceIfSmoothedTwice(TargetKind kind)
    {
        if (kind == TargetKind.Probabilities && Loss is null && _options.LabelSmoothing > 0 && !_warnedSmoothedTwice)
        {
            _warnedSmoothedTwice = true;
            TrainerLog.SoftTargetsSmoothedAgain(_logger, _options.LabelSmoothing);
        }
    }
}
