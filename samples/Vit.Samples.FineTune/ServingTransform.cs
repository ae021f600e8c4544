using Vit.Data;
using Vit.Inference;
using Vit.Pretrained;

namespace Vit.Samples.FineTune;

/// <summary>
/// timm's evaluation transform exactly as <c>ImageClassifier</c> serves it (Vit.Inference's preprocessing, compiled into
/// this sample): decode, resize the shorter side to <c>floor(size / crop_pct)</c> with Pillow's filter, centre-crop. The
/// crop is kept as uint8 pixels and normalised by the loader (<see cref="Normalize"/>), the same arithmetic in float32.
/// </summary>
internal static class ServingTransform
{
    /// <summary>Prepares every file into an in-memory dataset of centre crops.</summary>
    /// <exception cref="UsageException">An image cannot be decoded (the message names it).</exception>
    public static InMemoryImageDataset Load(IReadOnlyList<(string Path, int Label)> files, IReadOnlyList<string> classNames, int channels, int size, double cropPct, string interpolation)
    {
        // Mean 0 and std 1 leave value / 255, so each crop's bytes come back exactly (v / 255f * 255 rounds to v).
        var preprocessor = new ImagePreprocessor(new PretrainedPreprocessing
        {
            InputSize = [channels, size, size], Interpolation = interpolation, CropPct = cropPct, CropMode = "center",
            Mean = [.. Enumerable.Repeat(0.0, channels)], Std = [.. Enumerable.Repeat(1.0, channels)],
        });
        int length = preprocessor.InputLength;
        var pixels = new byte[(long)files.Count * length];
        try
        {
            PrepareAll(files, preprocessor, pixels);
        }
        catch (AggregateException e) when (e.InnerExceptions.OfType<UsageException>().FirstOrDefault() is { } usage)
        {
            throw usage;
        }

        return new InMemoryImageDataset(pixels, [.. files.Select(f => f.Label)], channels, size, size, classNames, "val/");
    }

    private static void PrepareAll(IReadOnlyList<(string Path, int Label)> files, ImagePreprocessor preprocessor, byte[] pixels)
    {
        int length = preprocessor.InputLength;
        Parallel.For(0, files.Count, () => new float[length], (i, _, scratch) =>
        {
            using (var stream = File.OpenRead(files[i].Path))
            {
                try
                {
                    preprocessor.Prepare(stream, files[i].Path, scratch);
                }
                catch (InvalidDataException e)
                {
                    throw new UsageException(e.Message, e);
                }
            }

            var target = pixels.AsSpan((int)((long)i * length), length);
            for (int p = 0; p < length; p++)
            {
                target[p] = (byte)MathF.Round(scratch[p] * 255f);
            }

            return scratch;
        }, _ => { });
    }
}
