using Vit.Core;

namespace Vit.Data;

/// <summary>
/// Validates <see cref="MixupOptions"/>: the ranges on its properties, and that Mixup or CutMix (or both) is on.
/// </summary>
public sealed class MixupOptionsValidator : OptionsValidator<MixupOptions>
{
    /// <inheritdoc />
    protected override IEnumerable<string> RuleFailures(MixupOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.MixupAlpha == 0 && options.CutmixAlpha == 0)
        {
            yield return "MixupOptions.MixupAlpha is 0 and CutmixAlpha is 0, but at least one must be greater than 0";
        }
    }
}
