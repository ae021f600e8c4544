using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Vit.Training.Tests;

/// <summary>
/// A model with buffers: a 4x4 patch convolution, BatchNorm (running_mean, running_var, int64 num_batches_tracked),
/// ReLU and a linear head (16x16 RGB, 5 classes).
/// </summary>
internal sealed class BatchNormConvNet : Module<Tensor, Tensor>
{
    private readonly Conv2d stem;
    private readonly BatchNorm2d bn;
    private readonly Linear head;

    public BatchNormConvNet()
        : base(nameof(BatchNormConvNet))
    {
        stem = Conv2d(3, 8, 4, stride: 4);
        bn = BatchNorm2d(8);
        head = Linear(128, 5);
        RegisterComponents();
    }

    /// <summary>Builds one with a fixed seed, so two calls give the same weights.</summary>
    public static BatchNormConvNet Build(long seed)
    {
        torch.manual_seed(seed);
        return new BatchNormConvNet();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var features = functional.relu(bn.call(stem.call(input)));
        return head.call(features.flatten(1)).MoveToOuterDisposeScope();
    }
}
