using TorchSharp.Modules;
using Vit.Benchmarks.Baseline;
using Vit.Core;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Vit.Benchmarks.Commands;

/// <summary>
/// The hand-written loop: <see cref="PlainVit"/>, label-smoothed cross-entropy (0.1, as the Trainer's default),
/// backward, TorchSharp's AdamW (weight decay 0.05 on everything), <c>zero_grad</c>, all in one dispose scope.
/// </summary>
internal sealed class BaselineTrainSubject : IBenchmarkSubject
{
    private readonly PlainVit _model;
    private readonly AdamW _optimizer;
    private readonly Tensor _images;
    private readonly Tensor _labels;

    public BaselineTrainSubject(VisionTransformerOptions o, int batch)
    {
        _model = new PlainVit(o.ImageSize, o.PatchSize, o.InChannels, o.EmbedDim, o.Depth, o.NumHeads, o.MlpHiddenDim, o.NumClasses);
        _model.train();
        _optimizer = TorchSharp.torch.optim.AdamW(_model.parameters(), lr: 1e-4, weight_decay: 0.05);
        _images = randn(batch, o.InChannels, o.ImageSize, o.ImageSize);
        _labels = randint(0, o.NumClasses, [batch]);
    }

    public string Name => "baseline";

    public void Run()
    {
        using var scope = NewDisposeScope();
        _optimizer.zero_grad();
        var loss = cross_entropy(_model.call(_images), _labels, label_smoothing: 0.1);
        loss.backward();
        _optimizer.step();
        _ = loss.item<float>();
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        _model.Dispose();
        _images.Dispose();
        _labels.Dispose();
    }
}
