using System.CommandLine;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using System.Text.Json;

namespace Vit.Samples.FashionMnist.Options;

/// <summary>
/// One command-line option of the sample, as its property declares it (<see cref="OptionAttribute"/> on a property of
/// <see cref="RunSettings"/>, saved in run.json, or of <see cref="CommandLineRequest"/>): its flag, help, how its text
/// parses and what values it accepts. <see cref="RunOptions"/> lists them all; parsing, usage, run.json checks and the
/// <c>--resume</c> rule are read from that list.
/// </summary>
internal sealed class RunOption
{
    /// <param name="field">A property of <see cref="RunSettings"/> or <see cref="CommandLineRequest"/> with an <see cref="OptionAttribute"/>.</param>
    /// <exception cref="ArgumentException">The property has no <see cref="OptionAttribute"/>.</exception>
    public RunOption(PropertyInfo field)
    {
        var declared = field.GetCustomAttribute<OptionAttribute>()
            ?? throw new ArgumentException($"{field.DeclaringType?.Name}.{field.Name} has no [Option].", nameof(field));
        Field = field;
        Name = declared.Name;
        Check = field.GetCustomAttribute<OptionCheckAttribute>();
        Help = Check?.Choices is string choices ? $"{declared.Help}: {choices}" : declared.Help;
        Resumable = declared.Resumable;
        PresetChooses = declared.PresetChooses && IsSetting;
        NoneText = declared.NoneText;
        DefaultText = declared.DefaultText;
        Accepts = field.GetCustomAttribute<RangeOfAttribute>()?.Range
            ?? field.GetCustomAttribute<RangeAttribute>()
            ?? (ValidationAttribute?)field.GetCustomAttribute<AllowedValuesAttribute>();
        Type = Nullable.GetUnderlyingType(field.PropertyType) ?? field.PropertyType;
    }

    /// <summary>Gets the flag, e.g. <c>--lr</c>.</summary>
    public string Name { get; }

    /// <summary>Gets what the option does (without its default).</summary>
    public string Help { get; }

    /// <summary>Gets the property the option sets.</summary>
    public PropertyInfo Field { get; }

    /// <summary>Gets the field's name in run.json (and in its error messages).</summary>
    public string JsonName => JsonNamingPolicy.CamelCase.ConvertName(Field.Name);

    /// <summary>Gets whether the option is one of the run's settings (saved in run.json, its default the preset's).</summary>
    public bool IsSetting => Field.DeclaringType == typeof(RunSettings);

    /// <summary>Gets whether the option may be given with <c>--resume</c> (it says where the run runs, not what it trains).</summary>
    public bool Resumable { get; }

    /// <summary>Gets whether presets choose the setting (its default is "the preset's").</summary>
    public bool PresetChooses { get; }

    /// <summary>Gets the values the option accepts: a <see cref="RangeAttribute"/> (preferably an options class's own) or an <see cref="AllowedValuesAttribute"/>.</summary>
    public ValidationAttribute? Accepts { get; }

    /// <summary>Gets a further rule of a value, if there is one.</summary>
    public OptionCheckAttribute? Check { get; }

    /// <summary>Gets the text that stands for <see langword="null"/> (<c>--randaug none</c>), if there is one.</summary>
    public string? NoneText { get; }

    /// <summary>Gets the default as the usage text says it, where the field's default value does not say it.</summary>
    public string? DefaultText { get; }

    /// <summary>Gets the placeholder of the value in the usage text: the accepted values (<c>auto|cpu|cuda</c>), else the flag's word.</summary>
    public string ValueName => Accepts is AllowedValuesAttribute allowed ? string.Join('|', allowed.Values) : Name.TrimStart('-');

    /// <summary>Gets whether the option is a switch (a <see cref="bool"/> field) rather than one value of text.</summary>
    public bool IsSwitch => Type == typeof(bool);

    /// <summary>Gets the field's type without <see cref="Nullable{T}"/>.</summary>
    private Type Type { get; }

    /// <summary>Reads the option's text into the field's type.</summary>
    /// <param name="text">The command line's text.</param>
    /// <param name="error">Why the text is not a value of the field's type.</param>
    /// <returns>The value (<see langword="null"/> for <see cref="NoneText"/>).</returns>
    public object? Parse(string text, out string? error)
    {
        error = null;
        if (text == NoneText)
        {
            return null;
        }

        if (Type == typeof(int))
        {
            if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int whole))
            {
                return whole;
            }

            error = $"{Name} expects a whole number; got '{text}'.";
        }
        else if (Type == typeof(double))
        {
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double number))
            {
                return number;
            }

            error = $"{Name} expects a number such as 0.25 or 2e-3; got '{text}'.";
        }

        return error is null ? text : null;
    }

    /// <summary>The first rule <paramref name="value"/> breaks, as a message naming <paramref name="label"/>; <see langword="null"/> when it is valid.</summary>
    /// <param name="label">What the message calls the option: its flag, or its run.json field.</param>
    /// <param name="value">The value (<see langword="null"/> is always valid: the field's "none").</param>
    /// <returns>The message, without a final period.</returns>
    public string? Problem(string label, object? value)
    {
        if (value is null)
        {
            return null;
        }

        if (Accepts is not null && !Accepts.IsValid(value))
        {
            return $"{label} must be {Requirement.Of(Accepts)}; got {Requirement.Show(value)}";
        }

        return Check?.Problem(label, value);
    }

    /// <summary>The System.CommandLine option: a switch for a <see cref="bool"/> field, else one value of text.</summary>
    public Option CreateSymbol(string defaultText)
    {
        string description = defaultText.Length == 0 ? Help : $"{Help} [default: {defaultText}]";
        return IsSwitch
            ? new Option<bool>(Name) { Description = description }
            : new Option<string>(Name)
            {
                Description = description,
                HelpName = ValueName,
            };
    }
}
