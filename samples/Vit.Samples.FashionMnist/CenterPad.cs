using TorchSharp;
using static TorchSharp.torch;

namespace Vit.Samples.FashionMnist;

/// <summary>Centres images on a larger zero (black) canvas, e.g. 28x28 Fashion-MNIST into a 32x32 model input.</summary>
internal sealed class CenterPad : torchvision.ITransform
{
    private readonly long[] _padding;

    /// <summary>Creates the transform.</summary>
    /// <param name="from">The images' side.</param>
    /// <param name="to">The output side, at least <paramref name="from"/>.</param>
    public CenterPad(int from, int to)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(to, from);
        int before = (to - from) / 2, after = to - from - before;
        _padding = [before, after, before, after];
    }

    /// <summary>Pads [C, H, W] or [B, C, H, W] images.</summary>
    /// <param name="input">The images.</param>
    /// <returns>The padded images.</returns>
    public Tensor call(Tensor input) => nn.functional.pad(input, _padding, PaddingModes.Constant, 0);
}
