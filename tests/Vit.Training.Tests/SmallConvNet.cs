using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Vit.Training.Tests;

/// <summary>A model that is not a ViT: 4x4 convolution patches, LayerNorm, a linear head (16x16 RGB, 5 classes).</summary>
internal sealed class SmallConvNet : Module<Tensor, Tensor>
{
    private readonly Conv2d stem;
    private readonly LayerNorm norm;
    private readonly Linear head;

    public SmallConvNet(int classes = 5)
        : base(nameof(SmallConvNet))
    {
        stem = Conv2d(3, 8, 4, stride: 4);
        norm = LayerNorm(128);
        head = Linear(128, classes);
        RegisterComponents();
    }

    /// <summary>Builds one with a fixed seed, so two calls give the same weights.</summary>
    public static SmallConvNet Build(long seed, int classes = 5)
    {
        torch.manual_seed(seed);
        return new SmallConvNet(classes);
    }

    public override Tensor forward(Tensor input)
    {
        using var features = stem.call(input);
        using var flat = features.flatten(1);
        using var normed = norm.call(flat);
        return head.call(normed);
    }

    /// <summary>Max |a - b| over the two models' parameters, by name.</summary>
    public static double MaxAbsDifference(Module a, Module b)
    {
        using var scope = NewDisposeScope();
        var other = b.state_dict();
        return a.state_dict().Max(p => (p.Value - other[p.Key]).abs().max().item<float>());
    }
}
