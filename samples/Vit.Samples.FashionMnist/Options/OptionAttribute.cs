namespace Vit.Samples.FashionMnist.Options;

/// <summary>
/// Makes a property of <see cref="RunSettings"/> or <see cref="CommandLineRequest"/> a command-line option: its flag
/// and help. The property's initializer is the default (the default preset's, for a setting); its range is a
/// <see cref="RangeOfAttribute"/>, <see cref="System.ComponentModel.DataAnnotations.RangeAttribute"/> or
/// <see cref="System.ComponentModel.DataAnnotations.AllowedValuesAttribute"/> beside it, a further rule an <see cref="OptionCheckAttribute"/>.
/// </summary>
/// <param name="name">The flag, e.g. <c>--lr</c>.</param>
/// <param name="help">What it does, for <c>--help</c> (the default is appended).</param>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class OptionAttribute(string name, string help) : Attribute
{
    /// <summary>Gets the flag, e.g. <c>--lr</c>.</summary>
    public string Name { get; } = name;

    /// <summary>Gets what the option does (without its default).</summary>
    public string Help { get; } = help;

    /// <summary>Gets a value indicating whether the option may be given with <c>--resume</c> (it says where the run runs, not what it trains).</summary>
    public bool Resumable { get; init; }

    /// <summary>Gets a value indicating whether presets choose the setting (<c>--help</c> then says "the preset's").</summary>
    public bool PresetChooses { get; init; } = true;

    /// <summary>Gets the text that stands for <see langword="null"/> (<c>--randaug none</c>), if there is one.</summary>
    public string? NoneText { get; init; }

    /// <summary>Gets the default as the usage text says it, where the property's initial value does not say it.</summary>
    public string? DefaultText { get; init; }
}
