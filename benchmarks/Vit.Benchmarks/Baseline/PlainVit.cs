using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Vit.Benchmarks.Baseline;

/// <summary>
/// The reference a Vit training step must not be slower than: a plain TorchSharp pre-norm ViT (patch convolution,
/// class token, position embedding, <see cref="PlainBlock"/>s, final LayerNorm, linear head) with the same shapes
/// and FLOP as <see cref="Vit.Core.VisionTransformer"/>, written without any Vit type.
/// </summary>
internal sealed class PlainVit : Module<Tensor, Tensor>
{
    private readonly Conv2d patch;
    private readonly Parameter cls;
    private readonly Parameter pos;
    private readonly ModuleList<PlainBlock> blocks = new();
    private readonly LayerNorm norm;
    private readonly Linear head;

    public PlainVit(int image, int patchSize, int channels, int dim, int depth, int heads, int hidden, int classes)
        : base(nameof(PlainVit))
    {
        int tokens = ((image / patchSize) * (image / patchSize)) + 1;
        patch = Conv2d(channels, dim, kernel_size: patchSize, stride: patchSize);
        cls = new Parameter(randn(1, 1, dim).mul_(0.02));
        pos = new Parameter(randn(1, tokens, dim).mul_(0.02));
        for (int i = 0; i < depth; i++)
        {
            blocks.Add(new PlainBlock(dim, heads, hidden));
        }

        norm = LayerNorm(dim, eps: 1e-6);
        head = Linear(dim, classes);
        RegisterComponents();
    }

    public override Tensor forward(Tensor images)
    {
        var x = patch.call(images).flatten(2).transpose(1, 2);
        x = cat([cls.expand(x.shape[0], -1, -1), x], 1) + pos;
        foreach (var block in blocks)
        {
            x = block.call(x);
        }

        return head.call(norm.call(x)[.., 0]);
    }
}
