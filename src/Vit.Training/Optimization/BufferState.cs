using static TorchSharp.torch;

namespace Vit.Training;

/// <summary>
/// The model's buffers (BatchNorm's running statistics and batch count) as they were before a step's forward moved
/// them, copied into the caller's dispose scope, to put back when the step's update is dropped.
/// </summary>
internal sealed class BufferState
{
    private readonly List<(Tensor Live, Tensor Saved)> _buffers;

    private BufferState(List<(Tensor Live, Tensor Saved)> buffers) => _buffers = buffers;

    /// <summary>Copies every buffer of <paramref name="model"/> (nothing for a model without buffers).</summary>
    public static BufferState Save(nn.Module model)
    {
        using var noGrad = no_grad();
        return new BufferState(model.named_buffers().Select(b => (b.buffer, b.buffer.clone())).ToList());
    }

    /// <summary>Puts the saved values back into the model's buffers, bit for bit.</summary>
    public void Restore()
    {
        using var noGrad = no_grad();
        foreach (var (live, saved) in _buffers)
        {
            live.copy_(saved);
        }
    }
}
