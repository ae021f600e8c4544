namespace Vit.Samples.FashionMnist.Options;

/// <summary>The value can name a path: empty or blank text, or a NUL character, cannot.</summary>
/// <param name="expected">What the path should name, for the message: "a folder", "a checkpoint file".</param>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class PathTextAttribute(string expected) : OptionCheckAttribute
{
    /// <summary>Gets what the path should name.</summary>
    public string Expected { get; } = expected;

    /// <inheritdoc />
    public override string? Problem(string label, object value) =>
        value is string path && (string.IsNullOrWhiteSpace(path) || path.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
            ? $"{label} must be {Expected}; got '{path.Replace("\0", "\\0", StringComparison.Ordinal)}'"
            : null;
}
