using Vit.Core;

namespace Vit.Data;

/// <summary>Validates <see cref="RandomErasingOptions"/>: the ranges on its properties, and that each minimum is at most its maximum.</summary>
public sealed class RandomErasingOptionsValidator : OptionsValidator<RandomErasingOptions>
{
    /// <inheritdoc />
    protected override IEnumerable<string> RuleFailures(RandomErasingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.MinArea > options.MaxArea)
        {
            yield return $"RandomErasingOptions.MinArea is {Show(options.MinArea)} and MaxArea is {Show(options.MaxArea)}, but MinArea must be at most MaxArea";
        }

        if (options.MaxAspect is double maxAspect && options.MinAspect > maxAspect)
        {
            yield return $"RandomErasingOptions.MinAspect is {Show(options.MinAspect)} and MaxAspect is {Show(maxAspect)}, but MinAspect must be at most MaxAspect";
        }

        if (options.MaxCount is int maxCount && options.MinCount > maxCount)
        {
            yield return $"RandomErasingOptions.MinCount is {options.MinCount} and MaxCount is {maxCount}, but MinCount must be at most MaxCount";
        }
    }
}
