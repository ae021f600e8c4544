using Vit.Core;

namespace Vit.Data;

/// <summary>Validates <see cref="EvalTransformOptions"/>: its attributes, and one mean and std value per channel.</summary>
public sealed class EvalTransformOptionsValidator : OptionsValidator<EvalTransformOptions>
{
    /// <inheritdoc />
    protected override IEnumerable<string> RuleFailures(EvalTransformOptions options)
    {
        if (options.Mean is { Length: > 0 } mean && mean.Length != options.Channels)
        {
            yield return $"EvalTransformOptions.Mean has {mean.Length} values and Channels is {options.Channels}, but there must be one value per channel";
        }

        if (options.Std is { Length: > 0 } std && std.Length != options.Channels)
        {
            yield return $"EvalTransformOptions.Std has {std.Length} values and Channels is {options.Channels}, but there must be one value per channel";
        }
    }
}
