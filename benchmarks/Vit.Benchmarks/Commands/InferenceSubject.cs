using static TorchSharp.torch;

namespace Vit.Benchmarks.Commands;

/// <summary>One forward pass of a model (Vit's or the hand-written baseline) in evaluation mode without autograd.</summary>
internal sealed class InferenceSubject : IBenchmarkSubject
{
    private readonly nn.Module<Tensor, Tensor> _model;
    private readonly Tensor _images;

    /// <param name="name">The label of the result line (<c>vit</c> or <c>baseline</c>).</param>
    /// <param name="model">The model; this subject owns and disposes it.</param>
    /// <param name="images">The random input batch; this subject owns and disposes it.</param>
    public InferenceSubject(string name, nn.Module<Tensor, Tensor> model, Tensor images)
    {
        Name = name;
        _model = model;
        _model.eval();
        _images = images;
    }

    public string Name { get; }

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
