namespace Vit.Benchmarks.Micro;

/// <summary>The origin width on Fashion-MNIST at batch 128: 128 images x 50 tokens x 384, 6 heads, MLP 1536.</summary>
internal static class Shapes
{
    public const int Batch = 128;
    public const int Tokens = 50;
    public const int Dim = 384;
    public const int Heads = 6;
    public const int Hidden = 1536;
}
