using Vit.Core;

namespace Vit.Data;

/// <summary>Validates <see cref="ImageFolderOptions"/>: its attributes, and that Height and Width are set together.</summary>
public sealed class ImageFolderOptionsValidator : OptionsValidator<ImageFolderOptions>
{
    /// <inheritdoc />
    protected override IEnumerable<string> RuleFailures(ImageFolderOptions options)
    {
        if ((options.Height is null) != (options.Width is null))
        {
            yield return $"ImageFolderOptions.Height is {Show(options.Height)} and Width is {Show(options.Width)}, but both must be set or both null";
        }
    }
}
