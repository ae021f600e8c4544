using System.ComponentModel.DataAnnotations;
using System.Reflection;

namespace Vit.Samples.FashionMnist.Options;

/// <summary>The option accepts what the options class property its value ends up in accepts: that property's own range, not a copy.</summary>
/// <param name="options">The options class, e.g. <c>TrainerOptions</c>.</param>
/// <param name="property">Its property, e.g. <c>nameof(TrainerOptions.Epochs)</c>.</param>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class RangeOfAttribute(Type options, string property) : Attribute
{
    /// <summary>Gets the options class.</summary>
    public Type Options { get; } = options;

    /// <summary>Gets the property of <see cref="Options"/>.</summary>
    public string Property { get; } = property;

    /// <summary>Gets the range attribute on <see cref="Options"/>' property.</summary>
    /// <exception cref="InvalidOperationException">The property does not exist or has no range.</exception>
    public RangeAttribute Range =>
        Options.GetProperty(Property)?.GetCustomAttribute<RangeAttribute>() ?? throw new InvalidOperationException($"{Options.Name}.{Property} has no range.");
}
