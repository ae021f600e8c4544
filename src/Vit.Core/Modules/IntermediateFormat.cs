namespace Vit.Core;

/// <summary>The layout of the patch tokens <see cref="VisionTransformer.ForwardIntermediates(TorchSharp.torch.Tensor, int?, IntermediateFormat, bool, bool, bool, bool)"/> returns (timm's <c>output_fmt</c>).</summary>
public enum IntermediateFormat
{
    /// <summary><c>[N, D, H, W]</c>: a feature map over the patch grid, as detection and segmentation necks read it.</summary>
    Nchw = 0,

    /// <summary><c>[N, L, D]</c>: the patch tokens as a sequence (L = H·W).</summary>
    Nlc = 1,
}
