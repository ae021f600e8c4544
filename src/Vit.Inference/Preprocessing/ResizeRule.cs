namespace Vit.Inference;

/// <summary>How an image's size becomes the resized size before the crop.</summary>
internal enum ResizeRule
{
    /// <summary>No resize.</summary>
    None,

    /// <summary>The shorter side to <c>ResizeHeight</c> (= <c>ResizeWidth</c>), the longer side in proportion, rounded down (torchvision's <c>Resize(int)</c>, transformers' <c>shortest_edge</c>).</summary>
    ShortestEdge,

    /// <summary>Straight to <c>ResizeHeight</c> x <c>ResizeWidth</c>, the aspect ratio not kept (timm's <c>squash</c>, transformers' <c>{height, width}</c>).</summary>
    Exact,

    /// <summary>Keep the aspect ratio so both sides fit inside the target (timm's <c>ResizeKeepRatio(longest=1)</c>, crop mode <c>border</c>).</summary>
    KeepRatioLongest,

    /// <summary>Keep the aspect ratio so both sides cover the target (timm's <c>ResizeKeepRatio(longest=0)</c>, crop mode <c>center</c> on non-square inputs).</summary>
    KeepRatioShortest,
}
