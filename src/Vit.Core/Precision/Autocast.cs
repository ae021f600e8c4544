using static TorchSharp.torch;

namespace Vit.Core;

/// <summary>
/// Mixed precision for Vit's modules, the counterpart of PyTorch's <c>torch.autocast</c> (TorchSharp 0.107 has none):
/// inside an <see cref="Enable"/> scope, <see cref="PatchEmbedding"/>, <see cref="MultiHeadAttention"/>,
/// <see cref="FeedForward"/>, <see cref="EncoderLayer"/> and <see cref="VisionTransformer"/> run their matrix products
/// (linear, the patch convolution, matmul, scaled-dot-product attention) in the scope's dtype, casting the fp32 weights
/// for each call so gradients reach the fp32 parameters in fp32, and keep LayerNorm, softmax, the residual stream,
/// pooling and the logits in fp32 (PyTorch's CUDA autocast op lists).
/// </summary>
/// <remarks>
/// <para>The setting belongs to the current thread and async flow (an <see cref="AsyncLocal{T}"/>): tasks started
/// inside a scope inherit it, other threads are not affected. Scopes nest as PyTorch's do: the innermost one wins, and
/// disposing it restores the one around it; <c>Enable(ScalarType.Float32)</c> turns autocast off inside an enabled
/// scope (PyTorch's <c>autocast(enabled=False)</c>).</para>
/// <para>Run forward, loss and backward inside the scope and change the weights (optimizer step, EMA) wherever you
/// like: a weight is cast for the call that uses it and the copy never outlives that call, so it is never stale.</para>
/// <para>Vit's modules are built from <see cref="AutocastLinear"/>, <see cref="AutocastConv2d"/> and
/// <see cref="AutocastLayerNorm"/>, so their forwards call their layers as timm's do. Modules that are not Vit's are
/// not reached: TorchSharp's own modules keep running in their weights' dtype (fp32 stays fp32, no error, no
/// speed-up). <see cref="UncoveredModules"/> lists them; a custom module can take part by using those layers or by
/// calling <see cref="Linear"/>, <see cref="Conv2d"/>, <see cref="LayerNorm"/>, <see cref="Matmul"/>,
/// <see cref="Softmax"/> and <see cref="ScaledDotProductAttention"/>, and implementing <see cref="IAutocastModule"/>.</para>
/// </remarks>
public static partial class Autocast
{
    private static readonly AsyncLocal<ScalarType?> s_dtype = new();

    /// <summary>Gets a value indicating whether matrix products of Vit's modules run in lower precision here.</summary>
    public static bool IsEnabled => s_dtype.Value is not null;

    /// <summary>Gets the dtype matrix products run in here (<see cref="ScalarType.BFloat16"/> or <see cref="ScalarType.Float16"/>), or <see langword="null"/> when autocast is off.</summary>
    public static ScalarType? Dtype => s_dtype.Value;

    /// <summary>
    /// Runs the matrix products of Vit's modules in <paramref name="dtype"/> until the returned scope is disposed.
    /// </summary>
    /// <param name="dtype">
    /// <see cref="ScalarType.BFloat16"/> (GPUs from Ampere on, CPUs with avx512_bf16 or AMX) or
    /// <see cref="ScalarType.Float16"/> (older GPUs, with loss scaling); <see cref="ScalarType.Float32"/> turns
    /// autocast off inside the scope.
    /// </param>
    /// <returns>The scope; dispose it (<c>using</c>) to restore the setting that was in force before.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dtype"/> is not one of the three above.</exception>
    public static IDisposable Enable(ScalarType dtype)
    {
        ThrowIfUnsupported(dtype);
        var previous = s_dtype.Value;
        s_dtype.Value = dtype == ScalarType.Float32 ? null : dtype;
        return new AutocastScope(previous);
    }

    /// <summary>Restores the setting a scope replaced; called by <see cref="AutocastScope.Dispose"/>.</summary>
    internal static void Restore(ScalarType? previous) => s_dtype.Value = previous;

    private static void ThrowIfUnsupported(ScalarType dtype)
    {
        if (dtype is ScalarType.BFloat16 or ScalarType.Float16 or ScalarType.Float32)
        {
            return;
        }

        string kind = dtype switch
        {
            ScalarType.Byte or ScalarType.Int8 or ScalarType.Int16 or ScalarType.Int32 or ScalarType.Int64 or ScalarType.Bool
                => $"{dtype} is an integer type: autocast casts floating-point weights and activations",
            ScalarType.Float64 => "Float64 is wider than the fp32 weights, not a lower precision",
            _ => $"{dtype} is not a lower-precision floating-point type",
        };
        throw new ArgumentOutOfRangeException(
            nameof(dtype),
            dtype,
            $"Autocast.Enable({dtype}): {kind}. Use ScalarType.BFloat16 or ScalarType.Float16 to run matrix products in lower precision, or ScalarType.Float32 to turn autocast off.");
    }
}
