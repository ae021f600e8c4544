namespace Vit.Samples.FashionMnist.Options;

/// <summary>A rule of an option's value beyond its range (a known preset, a RandAugment config, a usable path).</summary>
[AttributeUsage(AttributeTargets.Property)]
internal abstract class OptionCheckAttribute : Attribute
{
    /// <summary>Gets the values the option accepts, for <c>--help</c> ("Model and recipe: a, b"); <see langword="null"/> when they are not a short list.</summary>
    public virtual string? Choices => null;

    /// <summary>The rule <paramref name="value"/> breaks, as a message naming <paramref name="label"/>; <see langword="null"/> when it is valid.</summary>
    /// <param name="label">What the message calls the option: its flag, or its run.json field.</param>
    /// <param name="value">The value (not <see langword="null"/>).</param>
    /// <returns>The message, without a final period.</returns>
    public abstract string? Problem(string label, object value);
}
