using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Microsoft.Extensions.Options;

namespace Vit.Distributed;

/// <summary>
/// Checks an <see cref="MpiOptions"/>: the ranges come from its DataAnnotations attributes; each message names the
/// field and its value.
/// </summary>
public sealed class MpiOptionsValidator : IValidateOptions<MpiOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, MpiOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        Check(failures, nameof(MpiOptions.LibraryPath), options.LibraryPath);
        Check(failures, nameof(MpiOptions.CollectiveTimeout), options.CollectiveTimeout);
        if (options.LibraryPath is { Length: > 0 } path && string.IsNullOrWhiteSpace(path))
        {
            failures.Add("MpiOptions.LibraryPath must be null (the default names) or a library name or path; got only white space.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Throws <see cref="OptionsValidationException"/> listing every problem when the options are invalid.</summary>
    internal static void ThrowIfInvalid(MpiOptions options)
    {
        var result = new MpiOptionsValidator().Validate(Options.DefaultName, options);
        if (result.Failed)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(MpiOptions), result.Failures);
        }
    }

    /// <summary>A value as the attribute spells it: time spans without trailing zeros ("00:00:00.001").</summary>
    private static string? Text(object? value) => value is TimeSpan span
        ? span.ToString("c", CultureInfo.InvariantCulture) is var text && text.LastIndexOf('.') > text.LastIndexOf(':')
            ? text.TrimEnd('0').TrimEnd('.')
            : text
        : Convert.ToString(value, CultureInfo.InvariantCulture);

    private static void Check(List<string> failures, string property, object? value)
    {
        var attributes = typeof(MpiOptions).GetProperty(property)!.GetCustomAttributes(typeof(ValidationAttribute), inherit: true);
        foreach (ValidationAttribute attribute in attributes)
        {
            if (attribute.IsValid(value))
            {
                continue;
            }

            failures.Add(attribute switch
            {
                RangeAttribute range => string.Format(
                    CultureInfo.InvariantCulture, "MpiOptions.{0} must be in [{1}, {2}]; got {3}.", property, Text(range.Minimum), Text(range.Maximum), Text(value)),
                MinLengthAttribute length => string.Format(
                    CultureInfo.InvariantCulture, "MpiOptions.{0} must be null or at least {1} character(s) long; got \"{2}\".", property, length.Length, value),
                _ => string.Format(CultureInfo.InvariantCulture, "MpiOptions.{0} is invalid: {1}", property, attribute.FormatErrorMessage(property)),
            });
        }
    }
}
