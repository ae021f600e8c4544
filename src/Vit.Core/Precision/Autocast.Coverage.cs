using static TorchSharp.torch;

namespace Vit.Core;

/// <summary>Which parts of a model autocast reaches.</summary>
public static partial class Autocast
{
    /// <summary>
    /// Lists the modules of <paramref name="model"/> that own floating-point parameters autocast does not reach: those
    /// that are neither an <see cref="IAutocastModule"/> nor a direct child of one. Under autocast they run in their
    /// weights' dtype, as without it (fp32 weights: fp32, no error, no speed-up). Empty for a
    /// <see cref="VisionTransformer"/>; e.g. <c>["1"]</c> for <c>Sequential(vit, Linear(...))</c>.
    /// </summary>
    /// <param name="model">The model; <c>""</c> names the model itself.</param>
    /// <returns>The qualified names (as in <c>named_modules()</c>), in module order.</returns>
    public static IReadOnlyList<string> UncoveredModules(nn.Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var uncovered = new List<string>();
        Visit(model, string.Empty, parentCovers: false, uncovered);
        return uncovered;
    }

    private static void Visit(nn.Module module, string name, bool parentCovers, List<string> uncovered)
    {
        bool aware = module is IAutocastModule;
        if (!aware && !parentCovers && module.named_parameters(recurse: false).Any(p => p.parameter.is_floating_point()))
        {
            uncovered.Add(name);
        }

        foreach (var (childName, child) in module.named_children())
        {
            Visit(child, name.Length == 0 ? childName : $"{name}.{childName}", aware, uncovered);
        }
    }
}
