using System.ComponentModel.DataAnnotations;
using System.Reflection;
using Microsoft.Extensions.Options;

namespace Vit.Core;

/// <summary>
/// Validates an options class the one way every Vit options class is: the DataAnnotations attributes on its properties
/// are the only source of ranges, and a subclass adds the rules they cannot say (across fields) in <see cref="RuleFailures"/>.
/// Messages name the class, the field, the value and what is allowed: <c>TrainerOptions.Beta2 is 1.5 but must be in [0, 1)</c>.
/// </summary>
/// <remarks>
/// Worded attributes: Range (exclusive bounds; null passes on nullable properties), EnumDataType, AllowedValues,
/// DeniedValues, Required, MinLength, MaxLength, Length, StringLength and <see cref="ItemRangeAttribute"/>; any other
/// attribute reports its own message. No final period: <see cref="OptionsValidationException.Message"/> joins them with "; ".
/// See docs/options.md.
/// </remarks>
/// <typeparam name="TOptions">The options class.</typeparam>
public class OptionsValidator<TOptions> : IValidateOptions<TOptions>
    where TOptions : class
{
    // Declaration order (metadata token), so messages come in the order the class lists its fields.
    private static readonly (PropertyInfo Property, ValidationAttribute[] Attributes, bool Nullable)[] Checked =
        typeof(TOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanRead && p.GetIndexParameters().Length == 0)
            .OrderBy(p => p.MetadataToken)
            .Select(p => (p, p.GetCustomAttributes<ValidationAttribute>(inherit: true).ToArray(), IsNullable(p)))
            .Where(c => c.Item2.Length > 0)
            .ToArray();

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        var failures = Failures(options);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Every rule <paramref name="options"/> breaks, one message each: attributes first, then <see cref="RuleFailures"/>.</summary>
    /// <param name="options">The options to check.</param>
    /// <returns>The failure messages; empty when the options are valid.</returns>
    public IReadOnlyList<string> Failures(TOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        string type = typeof(TOptions).Name;
        foreach (var (property, attributes, nullable) in Checked)
        {
            object? value = property.GetValue(options);
            foreach (var attribute in attributes)
            {
                if (!attribute.IsValid(value))
                {
                    failures.Add($"{type}.{property.Name} is {Show(value)}{OptionsRequirement.Describe(attribute, property.Name, nullable, value)}");
                }
            }
        }

        failures.AddRange(RuleFailures(options));
        return failures;
    }

    /// <summary>
    /// Throws one <see cref="OptionsValidationException"/> listing every problem, if there is any: what every Vit
    /// constructor that takes options calls, and what <c>ValidateOnStart</c> throws for the same options in a host.
    /// </summary>
    /// <param name="options">The options to check.</param>
    /// <exception cref="OptionsValidationException">The options break a rule; <see cref="OptionsValidationException.Failures"/> has one message per rule.</exception>
    public void ThrowIfInvalid(TOptions options)
    {
        var failures = Failures(options);
        if (failures.Count > 0)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(TOptions), failures);
        }
    }

    /// <summary>
    /// The rules attributes cannot say, e.g. those across fields (<c>EmbedDim % NumHeads == 0</c>). Write each message
    /// as the attribute ones read: <c>"XOptions.A is 3 and B is 2, but A must be divisible by B"</c>, values through
    /// <see cref="Show"/>. Runs even when attributes failed, so guard against values they already reported.
    /// </summary>
    /// <param name="options">The options to check.</param>
    /// <returns>One message per broken rule; none by default.</returns>
    protected virtual IEnumerable<string> RuleFailures(TOptions options) => [];

    /// <summary>Formats a value the way the messages show it: invariant culture, round-trip doubles, <c>null</c>, quoted strings, <c>[a, b]</c> lists.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The text.</returns>
    protected static string Show(object? value) => OptionsValueText.Format(value);

    private static bool IsNullable(PropertyInfo property) =>
        Nullable.GetUnderlyingType(property.PropertyType) is not null
        || (!property.PropertyType.IsValueType && new NullabilityInfoContext().Create(property).ReadState == NullabilityState.Nullable);
}
