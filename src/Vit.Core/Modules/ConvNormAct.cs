using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Vit.Core;

/// <summary>
/// One convolution of a convolutional stem (timm's <c>ConvNormAct</c>): a padded square convolution, then, unless it
/// is the stem's last, BatchNorm and an activation. Keys <c>conv.weight</c> (and <c>conv.bias</c> on the last),
/// <c>bn.weight</c>, <c>bn.bias</c>, <c>bn.running_mean</c>, <c>bn.running_var</c>, <c>bn.num_batches_tracked</c>.
/// The BatchNorm runs in fp32 under <see cref="Autocast"/>, as PyTorch's autocast runs it.
/// </summary>
public sealed class ConvNormAct : Module<Tensor, Tensor>, IAutocastModule
{
    private readonly AutocastConv2d conv;
    private readonly TorchSharp.Modules.BatchNorm2d? bn;
    private readonly Module<Tensor, Tensor>? act;

    /// <summary>Creates the convolution with PyTorch's default initialisation; BatchNorm starts at weight 1, bias 0.</summary>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="outChannels">Output channels.</param>
    /// <param name="kernelSize">Side of the square kernel.</param>
    /// <param name="stride">Step between kernel positions.</param>
    /// <param name="padding">Zero padding on every side.</param>
    /// <param name="last">Whether this is the stem's last convolution: a bias, no BatchNorm, no activation.</param>
    /// <param name="activation">The activation after the BatchNorm.</param>
    public ConvNormAct(int inChannels, int outChannels, int kernelSize, int stride, int padding, bool last, ActivationKind activation)
        : base(nameof(ConvNormAct))
    {
        conv = new AutocastConv2d(inChannels, outChannels, kernelSize, stride, hasBias: last, padding: padding);
        bn = last ? null : BatchNorm2d(outChannels);
        act = last ? null : Layers.Activation(activation);
        RegisterComponents();
    }

    /// <summary>Gets the convolution (key <c>conv</c>).</summary>
    public AutocastConv2d Conv => conv;

    /// <summary>Gets the BatchNorm (key <c>bn</c>), or <see langword="null"/> on the stem's last convolution.</summary>
    public TorchSharp.Modules.BatchNorm2d? Norm => bn;

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        if (bn is null)
        {
            return conv.call(x);
        }

        using var scope = NewDisposeScope();
        var y = conv.call(x);
        var normalized = Normalize(Autocast.IsEnabled && y.dtype != ScalarType.Float32 ? y.to(ScalarType.Float32) : y);
        return act!.call(normalized).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// PyTorch's <c>BatchNorm2d.forward</c> on <see cref="Norm"/>'s parameters and buffers (its own forward, and so
    /// hooks registered on it, are not called): batch statistics while training, which also move the running ones and
    /// count the batch; the running statistics otherwise.
    /// </summary>
    private Tensor Normalize(Tensor x)
    {
        var norm = bn!;
        double factor = norm.momentum ?? 0.0;
        if (norm.training && norm.track_running_stats && norm.num_batches_tracked is not null)
        {
            // TorchSharp's BatchNorm counts with add_(1), whose temporary Scalars another thread's GC can free mid-call.
            norm.num_batches_tracked.add_(ScalarConstants.One, ScalarConstants.One);
            factor = norm.momentum ?? 1.0 / norm.num_batches_tracked.item<long>();
        }

        bool useBatchStatistics = norm.training || (norm.running_mean is null && norm.running_var is null);
        bool passRunning = !norm.training || norm.track_running_stats;
        return functional.batch_norm(
            x,
            passRunning ? norm.running_mean : null,
            passRunning ? norm.running_var : null,
            norm.weight,
            norm.bias,
            useBatchStatistics,
            factor,
            norm.eps);
    }
}
