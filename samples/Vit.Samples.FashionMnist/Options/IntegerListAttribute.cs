using System.Globalization;

namespace Vit.Samples.FashionMnist.Options;

/// <summary>The value is a comma-separated list of positive integers (<c>16,32,64</c>), as <see cref="Parse"/> reads it.</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class IntegerListAttribute : OptionCheckAttribute
{
    /// <summary>Reads a list the check accepted.</summary>
    /// <param name="text">Comma-separated positive integers.</param>
    /// <returns>The integers in order.</returns>
    public static int[] Parse(string text) => [.. text.Split(',').Select(t => int.Parse(t.Trim(), NumberStyles.None, CultureInfo.InvariantCulture))];

    /// <inheritdoc />
    public override string? Problem(string label, object value)
    {
        string text = (string)value;
        bool valid = text.Split(',').All(t => int.TryParse(t.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0);
        return valid ? null : $"{label} must be comma-separated positive integers such as 16,32,64; got '{text}'";
    }
}
