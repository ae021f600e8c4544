using TorchSharp;

namespace Vit.Data;

/// <summary>
/// timm's training transform as Vit.Data's pieces: <see cref="Decode"/> (what a <see cref="StreamingImageFolder"/>
/// decodes each image to), <see cref="TensorTransforms"/> (the loader's per-sample pipeline: <see cref="RandomResizedCrop"/>,
/// <see cref="RandomHorizontalFlip"/>, <see cref="Data.RandAugment"/>, <see cref="Normalize"/>, <see cref="Data.RandomErasing"/>,
/// in timm's order) and <see cref="BatchTransform"/> (<see cref="Mixup"/>, run on whole batches).
/// </summary>
/// <remarks>
/// Differences from timm, by design: the random crop is taken from the decoded <see cref="TrainTransformOptions.LoadSize"/>
/// square (timm crops the full-resolution image, so the far edges of a non-square image are never seen here) and is
/// bilinear with antialias; RandAugment works on floats (<see cref="Data.RandAugment"/>).
/// </remarks>
public sealed class TrainTransform
{
    /// <summary>Creates the transform.</summary>
    /// <param name="options">The options; <see langword="null"/> for the defaults.</param>
    /// <param name="seed">Seed of the random transforms' own generators outside a loader (a loader passes its own streams).</param>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">An option is invalid (the message names it and its value).</exception>
    public TrainTransform(TrainTransformOptions? options = null, int? seed = null)
    {
        options ??= new TrainTransformOptions();
        new TrainTransformOptionsValidator().ThrowIfInvalid(options);
        float[] mean = options.Mean ?? [.. Enumerable.Repeat(0.5f, options.Channels)];
        float[] std = options.Std ?? [.. Enumerable.Repeat(0.5f, options.Channels)];
        Decode = new EvalTransform(new EvalTransformOptions
        {
            ImageSize = options.LoadSize ?? options.ImageSize,
            Channels = options.Channels,
            CropPct = 1.0,
            Interpolation = options.Interpolation,
            Mean = mean,
            Std = std,
        });
        var transforms = new List<torchvision.ITransform>
        {
            new RandomResizedCrop(options.ImageSize, options.ImageSize, options.MinScale, options.MaxScale, options.MinRatio, options.MaxRatio, seed),
        };
        if (options.HorizontalFlip > 0)
        {
            transforms.Add(new RandomHorizontalFlip(options.HorizontalFlip, seed));
        }

        if (options.RandAugment is { } config)
        {
            var randAugment = RandAugmentOptions.Parse(config);
            randAugment.FillValue = mean;    // timm fills uncovered pixels with the dataset mean (its img_mean)
            randAugment.Seed = seed;
            transforms.Add(new RandAugment(randAugment));
        }

        transforms.Add(Decode.Normalize);
        if (options.RandomErasing > 0)
        {
            transforms.Add(new RandomErasing(new RandomErasingOptions
            {
                Probability = options.RandomErasing,
                Mode = options.RandomErasingMode,
                MaxCount = options.RandomErasingCount,
                Seed = seed,
            }));
        }

        TensorTransforms = transforms;
        BatchTransform = options.Mixup is { } mixup ? new Mixup(mixup) : null;
    }

    /// <summary>Gets the decode and geometry for the dataset: the shorter side resized to the load size, the centre square kept (crop_pct 1).</summary>
    public EvalTransform Decode { get; }

    /// <summary>Gets the loader's per-sample pipeline, in timm's order.</summary>
    public IReadOnlyList<torchvision.ITransform> TensorTransforms { get; }

    /// <summary>Gets the batch step (Mixup/CutMix), or <see langword="null"/> when off.</summary>
    public Mixup? BatchTransform { get; }
}
