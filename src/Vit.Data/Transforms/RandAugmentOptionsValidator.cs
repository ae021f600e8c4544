using Vit.Core;

namespace Vit.Data;

/// <summary>Validates <see cref="RandAugmentOptions"/>: the ranges on its properties, and that every listed operation exists.</summary>
public sealed class RandAugmentOptionsValidator : OptionsValidator<RandAugmentOptions>
{
    /// <inheritdoc />
    protected override IEnumerable<string> RuleFailures(RandAugmentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Ops is { } ops && Array.FindIndex(ops, op => !Enum.IsDefined(op)) is int index and >= 0)
        {
            yield return $"RandAugmentOptions.Ops is {Show(ops)} but every item must be one of {string.Join(", ", Enum.GetNames<RandAugmentOp>())} (item {index} is {Show(ops[index])})";
        }
    }
}
