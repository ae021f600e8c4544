using Vit.Core;
using static TorchSharp.torch;

namespace Vit.Benchmarks.Commands;

/// <summary>One forward pass of a Vit model in evaluation mode without autograd.</summary>
internal sealed class VitInferenceSubject : IBenchmarkSubject
{
    private readonly VisionTransformer _model;
    private readonly Tensor _images;

    public VitInferenceSubject(VisionTransformerOptions options, int batch)
    {
        _model = new VisionTransformer(options);
        _model.eval();
        _images = randn(batch, options.InChannels, options.ImageSize, options.ImageSize);
    }

    public string Name => "vit";

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
