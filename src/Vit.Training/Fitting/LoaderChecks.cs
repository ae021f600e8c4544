using System.Globalization;
using Vit.Data;

namespace Vit.Training;

/// <summary>What <c>Fit(BatchLoader)</c> checks of its loaders before the first update.</summary>
internal static class LoaderChecks
{
    /// <summary>Each rank's share of every batch must split into <paramref name="accumulationSteps"/> equal micro-batches.</summary>
    /// <exception cref="ArgumentException">It does not; the message says which batch size would.</exception>
    public static void ThrowIfNotAccumulable(BatchLoader loader, int accumulationSteps, int worldSize)
    {
        int k = accumulationSteps;
        int last = loader.Dataset.Count % loader.BatchSize;
        int lastBatch = loader.DropLast || last == 0 ? loader.BatchSize : last;
        if (worldSize == 1 && (loader.BatchSize % k != 0 || lastBatch % k != 0))
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"The loader's batches ({loader.BatchSize} images, last batch {lastBatch}) cannot be split into AccumulationSteps ({k}) equal micro-batches; choose a BatchSize divisible by {k} and set DropLast = true."),
                nameof(loader));
        }

        if (worldSize > 1 && ((loader.BatchSize / worldSize) % k != 0 || (lastBatch / worldSize) % k != 0))
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"Each of the {worldSize} ranks takes {loader.BatchSize / worldSize} images of every global batch of {loader.BatchSize} (last batch {lastBatch / worldSize}), which cannot be split into AccumulationSteps ({k}) equal micro-batches; choose a BatchSize divisible by {worldSize * k} and set DropLast = true."),
                nameof(loader));
        }
    }

    /// <summary>
    /// Refuses a loader whose Mixup/CutMix makes soft targets while <see cref="TrainerOptions.LabelSmoothing"/> is not 0:
    /// the loss would smooth targets Mixup already smoothed (timm trains Mixup batches with a soft-target loss and no
    /// smoothing of its own).
    /// </summary>
    /// <exception cref="ArgumentException">Both are set; the message names both settings and their values.</exception>
    public static void ThrowIfSmoothedTwice(BatchLoader train, double labelSmoothing)
    {
        if (labelSmoothing > 0 && train.BatchTransform is Mixup mixup)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"TrainerOptions.LabelSmoothing is {labelSmoothing} and the loader's Mixup makes soft targets (MixupOptions.LabelSmoothing {mixup.LabelSmoothing}): the loss would smooth them a second time. ")
                + "Set TrainerOptions.LabelSmoothing = 0 and put the smoothing in MixupOptions.LabelSmoothing (timm's practice).",
                nameof(train));
        }
    }

    /// <summary>What the ranks of a data-parallel job must agree on about a loader.</summary>
    public static string Describe(string role, BatchLoader loader) => string.Create(
        CultureInfo.InvariantCulture,
        $"{role} samples {loader.Dataset.Count}\n{role} batch size {loader.BatchSize}\n{role} seed {loader.Seed} (BatchLoaderOptions.Seed: set it, or each process picks its own)\n{role} shuffle {loader.Shuffle}\n{role} drop last {loader.DropLast}\n{role} batches per epoch {loader.BatchesPerEpoch}\n");
}
