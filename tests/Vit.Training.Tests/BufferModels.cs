using Vit.Core;
using static TorchSharp.torch;

namespace Vit.Training.Tests;

/// <summary>The models with BatchNorm buffers the buffer tests train, by name, and helpers to read their buffers.</summary>
internal static class BufferModels
{
    /// <summary>A model of one's own with one BatchNorm.</summary>
    public const string ConvNet = "conv net";

    /// <summary>A tiny ViT with a convolutional stem (StemChannels [8, 16] at 16 px: one BatchNorm).</summary>
    public const string StemVit = "stem vit";

    /// <summary>The tiny trainer architecture (<see cref="TestModels.Tiny"/>) behind a convolutional stem.</summary>
    public static VisionTransformerOptions TinyWithStem(double dropout = 0)
    {
        var options = TestModels.Tiny(dropout);
        options.PatchSize = 2;
        options.StemChannels = [8, 16];
        return options;
    }

    /// <summary>Builds the named model with a fixed seed.</summary>
    public static nn.Module<Tensor, Tensor> Build(string kind, long seed) => kind switch
    {
        ConvNet => BatchNormConvNet.Build(seed),
        StemVit => TestModels.Build(TinyWithStem(), seed),
        _ => throw new ArgumentException($"Unknown model '{kind}'.", nameof(kind)),
    };

    /// <summary>Clones of the model's buffers by name, outside any dispose scope.</summary>
    public static Dictionary<string, Tensor> Buffers(nn.Module model)
    {
        using var noGrad = no_grad();
        return model.named_buffers().ToDictionary(b => b.name, b => b.buffer.clone().DetachFromDisposeScope());
    }

    /// <summary>True when the two modules' states (parameters and buffers) are equal bit for bit, dtypes included.</summary>
    public static bool BitIdentical(nn.Module a, nn.Module b)
    {
        using var scope = NewDisposeScope();
        var other = b.state_dict();
        return a.state_dict().All(p => other.TryGetValue(p.Key, out var o) && o.dtype == p.Value.dtype && p.Value.equal(o).all().item<bool>());
    }

    /// <summary>Copies every state_dict tensor of <paramref name="from"/> into <paramref name="to"/>.</summary>
    public static void CopyState(nn.Module from, nn.Module to)
    {
        using var noGrad = no_grad();
        var target = to.state_dict();
        foreach (var (name, tensor) in from.state_dict())
        {
            target[name].copy_(tensor);
        }
    }

    /// <summary>Disposes every tensor of a dictionary.</summary>
    public static void Free(Dictionary<string, Tensor> tensors)
    {
        foreach (var tensor in tensors.Values)
        {
            tensor.Dispose();
        }
    }
}
