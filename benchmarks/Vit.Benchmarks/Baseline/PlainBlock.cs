using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Vit.Benchmarks.Baseline;

/// <summary>
/// A pre-norm transformer block written the way a TorchSharp user would write it by hand, with no Vit code:
/// LayerNorm, a fused qkv Linear, fused <c>scaled_dot_product_attention</c>, an output Linear, and a GELU MLP.
/// </summary>
internal sealed class PlainBlock : Module<Tensor, Tensor>
{
    private readonly LayerNorm norm1;
    private readonly Linear qkv;
    private readonly Linear proj;
    private readonly LayerNorm norm2;
    private readonly Linear fc1;
    private readonly Linear fc2;
    private readonly long _heads;

    public PlainBlock(int dim, int heads, int hidden)
        : base(nameof(PlainBlock))
    {
        _heads = heads;
        norm1 = LayerNorm(dim, eps: 1e-6);
        qkv = Linear(dim, 3 * dim);
        proj = Linear(dim, dim);
        norm2 = LayerNorm(dim, eps: 1e-6);
        fc1 = Linear(dim, hidden);
        fc2 = Linear(hidden, dim);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        long b = x.shape[0], t = x.shape[1], d = x.shape[2];
        var parts = qkv.call(norm1.call(x)).reshape(b, t, 3, _heads, d / _heads).permute(2, 0, 3, 1, 4).unbind(0);
        var attended = functional.scaled_dot_product_attention(parts[0], parts[1], parts[2]);
        x = x + proj.call(attended.transpose(1, 2).reshape(b, t, d));
        return x + fc2.call(functional.gelu(fc1.call(norm2.call(x))));
    }
}
