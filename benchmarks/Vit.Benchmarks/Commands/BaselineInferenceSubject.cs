using Vit.Benchmarks.Baseline;
using Vit.Core;
using static TorchSharp.torch;

namespace Vit.Benchmarks.Commands;

/// <summary>One forward pass of the hand-written <see cref="PlainVit"/> in evaluation mode without autograd.</summary>
internal sealed class BaselineInferenceSubject : IBenchmarkSubject
{
    private readonly PlainVit _model;
    private readonly Tensor _images;

    public BaselineInferenceSubject(VisionTransformerOptions o, int batch)
    {
        _model = new PlainVit(o.ImageSize, o.PatchSize, o.InChannels, o.EmbedDim, o.Depth, o.NumHeads, o.MlpHiddenDim, o.NumClasses);
        _model.eval();
        _images = randn(batch, o.InChannels, o.ImageSize, o.ImageSize);
    }

    public string Name => "baseline";

    public void Run()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        _ = _model.call(_images);
    }

    public void Dispose()
    {
        _model.Dispose();
        _images.Dispose();
    }
}
