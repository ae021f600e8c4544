using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace Vit.Training;

/// <summary>What a checkpoint file holds while it is written or read: named tensors and the JSON state.</summary>
internal sealed class CheckpointContent(Dictionary<string, Tensor> tensors, CheckpointState state)
{
    /// <summary>Gets the tensors by key (<c>model/...</c>, <c>adamw/...</c>, <c>ema/...</c>, <c>rng/cpu</c>).</summary>
    public Dictionary<string, Tensor> Tensors { get; } = tensors;

    /// <summary>Gets the counters, options and per-part values stored as JSON metadata.</summary>
    public CheckpointState State { get; } = state;

    /// <summary>Adds a problem unless <paramref name="key"/> holds a tensor of <paramref name="expected"/>'s dtype and shape.</summary>
    public void CheckTensor(List<string> problems, string key, Tensor expected)
    {
        if (!Tensors.TryGetValue(key, out var found))
        {
            problems.Add($"{key} is missing");
        }
        else if (found.dtype != expected.dtype || !found.shape.SequenceEqual(expected.shape))
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{key} is {found.dtype} {Shape(found)} in the file but {expected.dtype} {Shape(expected)} here"));
        }
    }

    /// <summary>
    /// Adds a problem when the floating-point tensor under <paramref name="key"/> (if present) holds NaN or infinity, or,
    /// with <paramref name="nonNegative"/>, a negative value: training never writes such weights or moments.
    /// </summary>
    public void CheckValues(List<string> problems, string key, bool nonNegative = false)
    {
        if (!Tensors.TryGetValue(key, out var found) || !found.is_floating_point())
        {
            return;
        }

        using var scope = NewDisposeScope();
        using var zero = 0.ToScalar();
        if (!isfinite(found).all().item<bool>())
        {
            problems.Add($"{key} holds NaN or infinite values");
        }
        else if (nonNegative && found.lt(zero).any().item<bool>())
        {
            problems.Add($"{key} holds negative values (it is a mean of squares)");
        }
    }

    private static string Shape(Tensor tensor) => "[" + string.Join(", ", tensor.shape) + "]";
}
