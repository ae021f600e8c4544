using Vit.Core;

namespace Vit.Data;

/// <summary>Validates <see cref="StreamingImageFolderOptions"/>: its attributes, and extensions that start with a dot.</summary>
public sealed class StreamingImageFolderOptionsValidator : OptionsValidator<StreamingImageFolderOptions>
{
    /// <inheritdoc />
    protected override IEnumerable<string> RuleFailures(StreamingImageFolderOptions options)
    {
        foreach (string extension in options.Extensions ?? [])
        {
            if (string.IsNullOrEmpty(extension) || extension[0] != '.')
            {
                yield return $"StreamingImageFolderOptions.Extensions holds {Show(extension)}, but each extension must start with a dot (\".jpg\")";
            }
        }
    }
}
