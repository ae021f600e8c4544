using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Vit.Core;

/// <summary>
/// A square 2-D convolution with zero padding that follows <see cref="Autocast"/> (PyTorch's <c>nn.Conv2d</c> with zero padding
/// under <c>torch.autocast</c>; timm's <c>PatchEmbed.proj</c>). Keys <c>weight</c> <c>[out, in, k, k]</c> and
/// <c>bias</c> <c>[out]</c>, as <c>nn.Conv2d</c>'s. Inside an enabled scope the input, weight and bias are cast to
/// <see cref="Autocast.Dtype"/> and the output stays in it; outside one it is the plain convolution.
/// </summary>
public sealed class AutocastConv2d : nn.Module<Tensor, Tensor>, IAutocastModule
{
    private readonly Parameter weight;
    private readonly Parameter? bias;
    private readonly long[] _stride;
    private readonly long[] _padding;

    /// <summary>Creates the convolution with PyTorch's default initialisation (Kaiming-uniform weight, uniform bias within <c>±1/√(in·k·k)</c>).</summary>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="outChannels">Output channels.</param>
    /// <param name="kernelSize">Side of the square kernel.</param>
    /// <param name="stride">Step between kernel positions along both axes (the kernel size for non-overlapping patches).</param>
    /// <param name="hasBias">Whether the convolution adds a learned bias.</param>
    /// <param name="padding">Zero padding on every side of the input (0 for patches).</param>
    public AutocastConv2d(long inChannels, long outChannels, long kernelSize, long stride, bool hasBias = true, long padding = 0)
        : base(nameof(AutocastConv2d))
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inChannels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outChannels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(kernelSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stride);
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        _stride = [stride, stride];
        _padding = [padding, padding];
        weight = new Parameter(torch.empty(outChannels, inChannels, kernelSize, kernelSize));
        bias = hasBias ? new Parameter(torch.empty(outChannels)) : null;
        DefaultInitialization.Apply(weight, bias, fanIn: inChannels * kernelSize * kernelSize);
        RegisterComponents();
    }

    /// <summary>Gets the weight <c>[out, in, k, k]</c> (key <c>weight</c>).</summary>
    public Parameter Weight => weight;

    /// <summary>Gets the bias <c>[out]</c> (key <c>bias</c>), or <see langword="null"/> when the convolution has none.</summary>
    public Parameter? Bias => bias;

    /// <inheritdoc />
    public override Tensor forward(Tensor x) => Autocast.Conv2dOp(x, weight, bias, _stride, _padding);
}
