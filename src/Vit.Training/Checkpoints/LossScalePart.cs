using Microsoft.Extensions.Logging;

namespace Vit.Training;

/// <summary>
/// The fp16 loss scale, its growth counter and the overflow count, in the checkpoint's JSON state (the scale is a
/// float32 and round-trips exactly), so a resumed fp16 run scales, skips and grows exactly as an uninterrupted one.
/// </summary>
internal sealed class LossScalePart(LossScaler scaler, ILogger logger) : ICheckpointPart
{
    public void Save(CheckpointContent content) => content.State.LossScale = new CheckpointState.LossScaleState
    {
        Enabled = scaler.Enabled,
        Scale = scaler.Scale,
        GrowthTracker = scaler.GrowthTracker,
        Overflows = scaler.Overflows,
    };

    public void Check(CheckpointContent content, List<string> problems)
    {
        if (content.State.LossScale is { } saved && (!float.IsFinite(saved.Scale) || saved.Scale <= 0 || saved.GrowthTracker < 0 || saved.Overflows < 0))
        {
            problems.Add($"the loss-scale state (scale {saved.Scale}, growth tracker {saved.GrowthTracker}, overflows {saved.Overflows}) is malformed");
        }
    }

    public void Restore(CheckpointContent content)
    {
        var saved = content.State.LossScale;
        if (saved is { Enabled: true } || !scaler.Enabled)
        {
            scaler.Restore(saved?.Scale ?? 1f, saved?.GrowthTracker ?? 0, saved?.Overflows ?? 0);
            return;
        }

        // An fp16 trainer resuming a run that did not scale (fp32 or bf16, or a checkpoint without a loss-scale state).
        scaler.Reset();
        scaler.Restore(scaler.Scale, 0, saved?.Overflows ?? 0);
        TrainerLog.LossScaleStartsOver(logger, scaler.Scale);
    }
}
