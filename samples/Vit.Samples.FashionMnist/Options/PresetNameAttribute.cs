namespace Vit.Samples.FashionMnist.Options;

/// <summary>The value names a preset of <see cref="SamplePresets"/> (in any case).</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class PresetNameAttribute : OptionCheckAttribute
{
    /// <inheritdoc />
    public override string Choices => string.Join(", ", SamplePresets.Names);

    /// <inheritdoc />
    public override string? Problem(string label, object value) =>
        SamplePresets.Find((string)value) is null ? $"Unknown preset '{value}'; expected one of {Choices}" : null;
}
