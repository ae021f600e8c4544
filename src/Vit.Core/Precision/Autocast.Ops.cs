using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Vit.Core;

/// <summary>
/// The ops autocast changes. With autocast off each is exactly the plain call (for a TorchSharp module its own
/// <c>call</c>, so its hooks run, and no copy is made); with it on, the lower-precision ops cast their floating-point
/// inputs and weights to <see cref="Dtype"/> for the call and the fp32 ops cast theirs to fp32, as PyTorch's autocast
/// does. A cast weight lives for one call (autograd keeps what it saved), so a weight changed in place is never stale.
/// </summary>
public static partial class Autocast
{
    /// <summary>
    /// Gets or sets a value indicating whether <see cref="ScaledDotProductAttention"/> on CPU tensors runs in fp32
    /// under autocast while gradients are recorded (q, k, v upcast; the output fp32, cast by the next product), trading
    /// memory for speed. On the CPU measured (AMD EPYC, Zen 5, avx512_bf16; libtorch 2.10) the fused attention's
    /// backward at ViT shapes (50 tokens, 64-wide heads) ran 1.5-2.4x slower in bf16 than in fp32 while its forward ran
    /// as fast: turning this on made the origin-width bf16 step up to a quarter faster, but its peak memory about
    /// 0.2 GB larger (fp32 q, k, v and output kept for backward), so the default keeps PyTorch's choice. Inference
    /// (<c>no_grad</c>) and CUDA tensors always use <see cref="Dtype"/>. Process-wide; see docs/training.md.
    /// </summary>
    /// <value>The default is <see langword="false"/>: attention runs in <see cref="Dtype"/> (PyTorch's list).</value>
    public static bool CpuAttentionInFloat32 { get; set; }

    /// <summary>
    /// <paramref name="linear"/> applied to <paramref name="input"/>; under autocast in <see cref="Dtype"/> with the
    /// weight and bias cast for the call, giving an output in <see cref="Dtype"/> as PyTorch's autocast does.
    /// Vit's own layers are <see cref="AutocastLinear"/>; this serves a custom module that keeps TorchSharp's.
    /// </summary>
    /// <param name="linear">The layer; under autocast its forward hooks do not run (its weights are used directly).</param>
    /// <param name="input">The input <c>[..., in_features]</c>.</param>
    /// <returns>The output; the caller owns it.</returns>
    public static Tensor Linear(Linear linear, Tensor input)
    {
        ArgumentNullException.ThrowIfNull(linear);
        ArgumentNullException.ThrowIfNull(input);
        return s_dtype.Value is null ? linear.call(input) : LinearOp(input, linear.weight, linear.bias);
    }

    /// <summary>
    /// <paramref name="conv"/> applied to <paramref name="input"/>; under autocast in <see cref="Dtype"/> with the
    /// weight and bias cast for the call. Zero padding only under autocast.
    /// </summary>
    /// <param name="conv">The layer; under autocast its forward hooks do not run.</param>
    /// <param name="input">Images <c>[B, C, H, W]</c> (any floating dtype under autocast).</param>
    /// <returns>The output; the caller owns it.</returns>
    /// <exception cref="NotSupportedException">Autocast is on and the layer pads other than with zeros.</exception>
    public static Tensor Conv2d(Conv2d conv, Tensor input)
    {
        ArgumentNullException.ThrowIfNull(conv);
        ArgumentNullException.ThrowIfNull(input);
        if (s_dtype.Value is not ScalarType dtype)
        {
            return conv.call(input);
        }

        if (conv.padding_mode != PaddingModes.Zeros)
        {
            throw new NotSupportedException($"Autocast.Conv2d supports zero padding only; this Conv2d pads with {conv.padding_mode}.");
        }

        using var x = CastOrNull(input, dtype);
        using var weight = CastOrNull(conv.weight, dtype);
        using var bias = conv.bias is null ? null : CastOrNull(conv.bias, dtype);
        return conv.padding_type is Padding padding
            ? F.conv2d_padding(x ?? input, weight ?? conv.weight, bias ?? conv.bias, conv.stride, padding, conv.dilation, conv.groups)
            : F.conv2d(x ?? input, weight ?? conv.weight, bias ?? conv.bias, conv.stride, conv.padding, conv.dilation, conv.groups);
    }

    /// <summary>
    /// <paramref name="norm"/> applied to <paramref name="input"/>, in fp32 under autocast (PyTorch's fp32 list):
    /// an fp32 input with fp32 weights is the plain call; otherwise input and weights are cast to fp32.
    /// </summary>
    /// <param name="norm">The layer.</param>
    /// <param name="input">The input.</param>
    /// <returns>The output (fp32 under autocast); the caller owns it.</returns>
    public static Tensor LayerNorm(LayerNorm norm, Tensor input)
    {
        ArgumentNullException.ThrowIfNull(norm);
        ArgumentNullException.ThrowIfNull(input);
        return NormRunsPlain(input, norm.weight, norm.bias)
            ? norm.call(input)
            : LayerNormOp(input, norm.normalized_shape, norm.weight, norm.bias, norm.eps);
    }

    /// <summary><c>linear(input, weight, bias)</c>, with the three cast to <see cref="Dtype"/> for the call under autocast.</summary>
    internal static Tensor LinearOp(Tensor input, Tensor weight, Tensor? bias) => WithLinearCasts(input, weight, bias, F.linear);

    /// <summary>
    /// <see cref="LinearOp"/>'s gradients without its product (<see cref="OutputFreeLinearFunction"/>), with the same
    /// casts, for a checkpoint's recomputation that never reads the output.
    /// </summary>
    internal static Tensor OutputFreeLinearOp(Tensor input, Tensor weight, Tensor? bias) =>
        WithLinearCasts(input, weight, bias, OutputFreeLinearFunction.Apply);

    /// <summary><paramref name="op"/> on the three, each cast to <see cref="Dtype"/> for the call under autocast.</summary>
    private static Tensor WithLinearCasts(Tensor input, Tensor weight, Tensor? bias, Func<Tensor, Tensor, Tensor?, Tensor> op)
    {
        if (s_dtype.Value is not ScalarType dtype)
        {
            return op(input, weight, bias);
        }

        using var x = CastOrNull(input, dtype);
        using var w = CastOrNull(weight, dtype);
        using var b = bias is null ? null : CastOrNull(bias, dtype);
        return op(x ?? input, w ?? weight, b ?? bias);
    }

    /// <summary>A zero-padded <c>conv2d</c>, with input, weight and bias cast to <see cref="Dtype"/> for the call under autocast.</summary>
    internal static Tensor Conv2dOp(Tensor input, Tensor weight, Tensor? bias, long[] stride, long[] padding)
    {
        if (s_dtype.Value is not ScalarType dtype)
        {
            return F.conv2d(input, weight, bias, stride, padding);
        }

        using var x = CastOrNull(input, dtype);
        using var w = CastOrNull(weight, dtype);
        using var b = bias is null ? null : CastOrNull(bias, dtype);
        return F.conv2d(x ?? input, w ?? weight, b ?? bias, stride, padding);
    }

    /// <summary><c>layer_norm</c>, in fp32 under autocast (input and weights cast up when they are not fp32).</summary>
    internal static Tensor LayerNormOp(Tensor input, long[] shape, Tensor? weight, Tensor? bias, double eps)
    {
        if (NormRunsPlain(input, weight, bias))
        {
            return F.layer_norm(input, shape, weight, bias, eps);
        }

        using var x = CastOrNull(input, ScalarType.Float32);
        using var w = weight is null ? null : CastOrNull(weight, ScalarType.Float32);
        using var b = bias is null ? null : CastOrNull(bias, ScalarType.Float32);
        return F.layer_norm(x ?? input, shape, w ?? weight, b ?? bias, eps);
    }

    /// <summary>A matrix product, in <see cref="Dtype"/> under autocast (PyTorch's lower-precision list: matmul, bmm).</summary>
    /// <param name="left">The left operand.</param>
    /// <param name="right">The right operand.</param>
    /// <returns>The product; the caller owns it.</returns>
    public static Tensor Matmul(Tensor left, Tensor right)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        if (s_dtype.Value is not ScalarType dtype)
        {
            return left.matmul(right);
        }

        using var a = CastOrNull(left, dtype);
        using var b = CastOrNull(right, dtype);
        return (a ?? left).matmul(b ?? right);
    }

    /// <summary>Softmax over <paramref name="dim"/>, in fp32 under autocast (PyTorch's fp32 list).</summary>
    /// <param name="input">The scores.</param>
    /// <param name="dim">The dimension that sums to one.</param>
    /// <returns>The probabilities (fp32 under autocast); the caller owns them.</returns>
    public static Tensor Softmax(Tensor input, long dim)
    {
        ArgumentNullException.ThrowIfNull(input);
        return s_dtype.Value is null || input.dtype == ScalarType.Float32
            ? input.softmax(dim)
            : input.softmax(dim, ScalarType.Float32);
    }

    /// <summary>
    /// <c>scaled_dot_product_attention(query, key, value)</c> without mask, in <see cref="Dtype"/> under autocast
    /// (PyTorch's lower-precision list); in fp32 on CPU tensors with gradients recorded while
    /// <see cref="CpuAttentionInFloat32"/> is set.
    /// </summary>
    /// <param name="query">Queries <c>[B, H, T, Dh]</c>.</param>
    /// <param name="key">Keys <c>[B, H, T, Dh]</c>.</param>
    /// <param name="value">Values <c>[B, H, T, Dh]</c>.</param>
    /// <param name="dropout">Dropout probability on the attention weights (0 in evaluation).</param>
    /// <returns>The attended values <c>[B, H, T, Dh]</c>; the caller owns them.</returns>
    public static Tensor ScaledDotProductAttention(Tensor query, Tensor key, Tensor value, double dropout = 0.0)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        if (s_dtype.Value is not ScalarType dtype)
        {
            return F.scaled_dot_product_attention(query, key, value, null, dropout);
        }

        if (CpuAttentionInFloat32 && query.device_type == DeviceType.CPU && torch.is_grad_enabled())
        {
            dtype = ScalarType.Float32;
        }

        using var q = CastOrNull(query, dtype);
        using var k = CastOrNull(key, dtype);
        using var v = CastOrNull(value, dtype);

        // Positional arguments only: the flag after p is spelled is_casual in 0.107 and is about to be renamed.
        return F.scaled_dot_product_attention(q ?? query, k ?? key, v ?? value, null, dropout);
    }

    /// <summary>A cast copy of a floating-point <paramref name="tensor"/>, or <see langword="null"/> when it already has <paramref name="dtype"/> or is not floating (PyTorch casts floating inputs only).</summary>
    private static Tensor? CastOrNull(Tensor tensor, ScalarType dtype) =>
        tensor.dtype == dtype || !tensor.is_floating_point() ? null : tensor.to_type(dtype);

    /// <summary>Whether a norm runs as it is: autocast is off, or input and weights are already fp32.</summary>
    private static bool NormRunsPlain(Tensor input, Tensor? weight, Tensor? bias) =>
        s_dtype.Value is null || (input.dtype == ScalarType.Float32 && IsFloat32OrNull(weight) && IsFloat32OrNull(bias));

    private static bool IsFloat32OrNull(Tensor? tensor) => tensor is null || tensor.dtype == ScalarType.Float32;
}
