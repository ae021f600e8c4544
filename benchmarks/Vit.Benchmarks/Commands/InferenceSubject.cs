using Vit.Core;
using static TorchSharp.torch;

namespace Vit.Benchmarks.Commands;

/// <summary>
/// One forward pass of a model (Vit's or the hand-written baseline) in evaluation mode without autograd, optionally
/// under <see cref="Autocast"/>.
/// </summary>
internal sealed class InferenceSubject : IBenchmarkSubject
{
    private readonly nn.Module<Tensor, Tensor> _model;
    private readonly Tensor _images;
    private readonly ScalarType _autocast;

    /// <param name="name">The label of the result line.</param>
    /// <param name="model">The model, in the dtype to run; this subject owns and disposes it.</param>
    /// <param name="images">The random input batch, in the model's dtype; this subject owns and disposes it.</param>
    /// <param name="autocast">The autocast dtype (<see cref="ScalarType.Float32"/>: off).</param>
    public InferenceSubject(string name, nn.Module<Tensor, Tensor> model, Tensor images, ScalarType autocast = ScalarType.Float32)
    {
        Precision = autocast != ScalarType.Float32 ? autocast : images.dtype;
        Name = name;
        _model = model;
        _model.eval();
        _images = images;
        _autocast = autocast;
    }

    public string Name { get; }

    public ScalarType Precision { get; }

    public void Run()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var amp = Autocast.Enable(_autocast);
        _ = _model.call(_images);
    }

    public void Dispose()
    {
        _model.Dispose();
        _images.Dispose();
    }
}
