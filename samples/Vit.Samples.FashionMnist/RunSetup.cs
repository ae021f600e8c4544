using Vit.Data;
using Vit.Training;
using static TorchSharp.torch;

namespace Vit.Samples.FashionMnist;

/// <summary>What a run's checks and loading produced before anything is written; <see cref="Data"/> is the caller's to dispose.</summary>
internal sealed record RunSetup(
    RunFolder Folder,
    RunSettings Settings,
    string? Resume,
    Device Device,
    SamplePreset Preset,
    ChannelStatistics Statistics,
    TrainerOptions TrainerOptions)
{
    /// <summary>Gets the training and held-out images.</summary>
    public required FashionMnistData Data { get; init; }

    /// <summary>Gets the architecture the run trains (the preset's with the run's model settings).</summary>
    public required Vit.Core.VisionTransformerOptions ModelOptions { get; init; }
}
