namespace Vit.Core;

/// <summary>timm's ViT architectures by their timm names.</summary>
public sealed partial class VisionTransformerOptions
{
    /// <summary>
    /// Gets every architecture <see cref="FromTimm"/> knows: all registered in timm's <c>vision_transformer.py</c> and
    /// <c>deit.py</c> (timm 1.0.29), sorted. Some of them use blocks Vit does not build; <see cref="FromTimm"/> says which.
    /// </summary>
    public static IReadOnlyCollection<string> TimmArchitectures => TimmRegistry.Names;

    /// <summary>
    /// The architecture timm builds under <paramref name="architecture"/> (<c>timm.create_model(name)</c>): the
    /// function's own arguments, with the input size, channels and classes of its default pretrained config.
    /// </summary>
    /// <param name="architecture">A timm name such as <c>vit_base_patch16_224</c> or <c>vit_small_patch14_reg4_dinov2</c>.</param>
    /// <returns>A fresh options instance.</returns>
    /// <exception cref="ArgumentException">timm has no architecture of that name; the message names the closest ones.</exception>
    /// <exception cref="NotSupportedException">The architecture needs a part Vit does not build; the message names the timm argument.</exception>
    public static VisionTransformerOptions FromTimm(string architecture)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        var (function, pretrainedCfg) = TimmRegistry.Find(architecture)
            ?? throw new ArgumentException($"timm has no ViT architecture '{architecture}'; the closest are {string.Join(", ", TimmRegistry.Closest(architecture))} (TimmArchitectures lists all {TimmRegistry.Names.Count}).", nameof(architecture));
        var args = TimmRegistry.Resolve(function, [], pretrainedCfg);
        var arguments = TimmArguments.Read(args, (name, problem) => new NotSupportedException($"timm architecture '{architecture}': {name} {problem}."));
        return TimmOptionsMapper.ToOptions(arguments);
    }
}
