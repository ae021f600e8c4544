using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using TorchSharp;
using Vit.Distributed.Native;
using Vit.Training;
using static TorchSharp.torch;

namespace Vit.Distributed;

public sealed partial class MpiCommunicator
{
    /// <summary>
    /// Combines <paramref name="tensor"/> element by element across all ranks, in place, on every rank: one
    /// all-reduce of a flat gradient buffer per update is all data parallelism needs (sum, then divide by
    /// <see cref="Size"/> for the mean).
    /// </summary>
    /// <remarks>
    /// A contiguous CPU tensor is reduced where it lies, without a copy. Any other tensor (non-contiguous, or on a
    /// GPU) goes through a contiguous CPU copy and back. The data is written behind autograd's back: reduce
    /// gradients after backward, not tensors a pending backward still needs.
    /// </remarks>
    /// <param name="tensor">A float32, float64, int32 or int64 tensor of the same shape on every rank.</param>
    /// <param name="operation">How values combine.</param>
    /// <exception cref="ArgumentException">The dtype has no MPI reduction here (float16, bfloat16, bool, ...).</exception>
    /// <exception cref="MpiException">The MPI call failed.</exception>
    public unsafe void AllReduce(Tensor tensor, ReduceOperation operation = ReduceOperation.Sum)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        MpiElement element = Element(tensor.dtype);
        long count = tensor.numel();
        if (IsDirect(tensor))
        {
            AllReduceInPlace(count == 0 ? null : DataPointer(tensor), count, element, operation);
            return;
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var staged = tensor.detach().cpu().contiguous();
        AllReduceInPlace(count == 0 ? null : DataPointer(staged), count, element, operation);
        tensor.copy_(staged);
    }

    /// <inheritdoc cref="IProcessGroup.AllReduce(Tensor)"/>
    void IProcessGroup.AllReduce(Tensor tensor) => AllReduce(tensor, ReduceOperation.Sum);

    /// <summary>Copies <paramref name="tensor"/> from rank <paramref name="root"/> to every other rank, in place.</summary>
    /// <remarks>Any dtype; the bytes are copied as they are. Non-contiguous and GPU tensors go through a CPU copy.</remarks>
    /// <param name="tensor">The root's tensor, or the tensor that receives it: same shape and dtype on every rank.</param>
    /// <param name="root">The rank whose values every rank ends up with.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="root"/> is not a rank.</exception>
    /// <exception cref="MpiException">The MPI call failed.</exception>
    public unsafe void Broadcast(Tensor tensor, int root = 0)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        CheckRoot(root);
        long bytes = tensor.numel() * tensor.element_size();
        if (IsDirect(tensor))
        {
            BroadcastBytes(bytes == 0 ? null : DataPointer(tensor), bytes, root);
            return;
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var staged = tensor.detach().cpu().contiguous();
        BroadcastBytes(bytes == 0 ? null : DataPointer(staged), bytes, root);
        tensor.copy_(staged);
    }

    /// <summary>
    /// Gives every rank rank <paramref name="root"/>'s parameters and buffers, so that all replicas start from the
    /// same weights. First checks that every rank's module has the same parameter and buffer names, shapes and
    /// dtypes (<see cref="SettingsMismatchException"/> on every rank otherwise).
    /// </summary>
    /// <param name="module">The model; the same architecture on every rank.</param>
    /// <param name="root">The rank whose weights every rank ends up with.</param>
    /// <exception cref="SettingsMismatchException">The ranks' modules differ in layout.</exception>
    public void BroadcastParameters(nn.Module module, int root = 0)
    {
        ArgumentNullException.ThrowIfNull(module);
        CheckRoot(root);
        var tensors = module.named_parameters().Select(p => (Kind: "parameter", p.name, Tensor: (Tensor)p.parameter))
            .Concat(module.named_buffers().Select(b => (Kind: "buffer", b.name, Tensor: b.buffer)))
            .ToList();
        var layout = new StringBuilder();
        foreach (var (kind, name, tensor) in tensors)
        {
            layout.Append(CultureInfo.InvariantCulture, $"{kind} {name}: {tensor.dtype} [{string.Join(", ", tensor.shape)}]").Append('\n');
        }

        VerifyIdentical("The model's parameters and buffers (name: dtype [shape])", layout.ToString());
        using var noGrad = no_grad();
        foreach (var (_, _, tensor) in tensors)
        {
            Broadcast(tensor, root);
        }
    }

    private static bool IsDirect(Tensor tensor) => tensor.device_type == DeviceType.CPU && tensor.is_contiguous();

    /// <summary>The address of a contiguous CPU tensor's first element (Tensor.bytes spans at most 2 GiB, one element never more).</summary>
    private static unsafe void* DataPointer(Tensor tensor)
    {
        using var flat = tensor.reshape(-1);
        using var first = flat.narrow(0, 0, 1);
        return Unsafe.AsPointer(ref MemoryMarshal.GetReference(first.bytes));
    }

    private MpiElement Element(ScalarType dtype) => dtype switch
    {
        ScalarType.Float32 => Element(typeof(float)),
        ScalarType.Float64 => Element(typeof(double)),
        ScalarType.Int32 => Element(typeof(int)),
        ScalarType.Int64 => Element(typeof(long)),
        _ => throw new ArgumentException(
            $"MPI reductions take float32, float64, int32 or int64 tensors; got {dtype}. Reduce half-precision gradients in a float32 buffer.",
            nameof(dtype)),
    };
}
