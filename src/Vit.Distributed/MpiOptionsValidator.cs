using Vit.Core;

namespace Vit.Distributed;

/// <summary>
/// Checks an <see cref="MpiOptions"/> the way every Vit options class is checked: ranges from its DataAnnotations
/// attributes, plus a library path that is only white space.
/// </summary>
public sealed class MpiOptionsValidator : OptionsValidator<MpiOptions>
{
    /// <inheritdoc />
    protected override IEnumerable<string> RuleFailures(MpiOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.LibraryPath is { Length: > 0 } path && string.IsNullOrWhiteSpace(path))
        {
            yield return $"MpiOptions.LibraryPath is {Show(path)} but must be null (the default names) or a library name or path";
        }
    }
}
