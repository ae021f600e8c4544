namespace Vit.Core;

/// <summary>Named configurations; every member returns a fresh instance the caller may change.</summary>
public sealed partial class VisionTransformerOptions
{
    private static readonly Dictionary<string, Func<VisionTransformerOptions>> Presets = new(StringComparer.OrdinalIgnoreCase)
    {
        ["cifar100_patch16_32"] = () => Cifar100Patch16,
        ["cifar100_patch8_32"] = () => Cifar100Patch8,
        ["cifar100_patch4_32"] = () => Cifar100Patch4,
        ["vit_tiny_patch16_224"] = () => VitTinyPatch16,
        ["vit_small_patch16_224"] = () => VitSmallPatch16,
        ["vit_base_patch16_224"] = () => VitBasePatch16,
    };

    /// <summary>Gets the origin notebook's model with 16x16 patches: 6 layers, 384 wide, 6 heads, 32x32 RGB, 100 classes (10,983,652 parameters).</summary>
    public static VisionTransformerOptions Cifar100Patch16 => Notebook(16);

    /// <summary>Gets the origin notebook's model with 8x8 patches (10,767,076 parameters).</summary>
    public static VisionTransformerOptions Cifar100Patch8 => Notebook(8);

    /// <summary>Gets the origin notebook's model with 4x4 patches (10,730,212 parameters); equal to the defaults.</summary>
    public static VisionTransformerOptions Cifar100Patch4 => Notebook(4);

    /// <summary>Gets timm's <c>vit_tiny_patch16_224</c>: 12 layers, 192 wide, 3 heads, 1000 classes (5,717,416 parameters).</summary>
    public static VisionTransformerOptions VitTinyPatch16 => ImageNet(192, 3);

    /// <summary>Gets timm's <c>vit_small_patch16_224</c>: 12 layers, 384 wide, 6 heads, 1000 classes (22,050,664 parameters).</summary>
    public static VisionTransformerOptions VitSmallPatch16 => ImageNet(384, 6);

    /// <summary>Gets timm's <c>vit_base_patch16_224</c>: 12 layers, 768 wide, 12 heads, 1000 classes (86,567,656 parameters).</summary>
    public static VisionTransformerOptions VitBasePatch16 => ImageNet(768, 12);

    /// <summary>Gets the names <see cref="FromPreset"/> accepts (timm's model names for the timm configurations).</summary>
    public static IReadOnlyList<string> PresetNames { get; } = [.. Presets.Keys];

    /// <summary>Looks a preset up by name (case-insensitive), for command lines and configuration files.</summary>
    /// <param name="name">One of <see cref="PresetNames"/>.</param>
    /// <returns>A fresh options instance.</returns>
    /// <exception cref="ArgumentException">The name is unknown; the message lists the valid names.</exception>
    public static VisionTransformerOptions FromPreset(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Presets.TryGetValue(name, out var create)
            ? create()
            : throw new ArgumentException($"Unknown preset '{name}'. Valid names: {string.Join(", ", PresetNames)}.", nameof(name));
    }

    private static VisionTransformerOptions Notebook(int patchSize) => new()
    {
        ImageSize = 32,
        PatchSize = patchSize,
        InChannels = 3,
        NumClasses = 100,
        EmbedDim = 384,
        Depth = 6,
        NumHeads = 6,
        MlpRatio = 4,
    };

    private static VisionTransformerOptions ImageNet(int embedDim, int numHeads) => new()
    {
        ImageSize = 224,
        PatchSize = 16,
        InChannels = 3,
        NumClasses = 1000,
        EmbedDim = embedDim,
        Depth = 12,
        NumHeads = numHeads,
        MlpRatio = 4,
    };
}
