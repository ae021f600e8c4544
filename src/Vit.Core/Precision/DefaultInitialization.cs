using TorchSharp;
using static TorchSharp.torch;

namespace Vit.Core;

/// <summary>PyTorch's default initialisation of <c>nn.Linear</c> and <c>nn.Conv2d</c> (<c>reset_parameters</c>), in the same order of random draws.</summary>
internal static class DefaultInitialization
{
    /// <summary>Kaiming-uniform with <c>a = √5</c> for <paramref name="weight"/>, then <paramref name="bias"/> uniform within <c>±1/√fanIn</c>.</summary>
    public static void Apply(Tensor weight, Tensor? bias, long fanIn)
    {
        using var noGrad = torch.no_grad();
        nn.init.kaiming_uniform_(weight, a: Math.Sqrt(5));
        if (bias is not null)
        {
            double bound = fanIn > 0 ? 1 / Math.Sqrt(fanIn) : 0;
            nn.init.uniform_(bias, -bound, bound);
        }
    }
}
