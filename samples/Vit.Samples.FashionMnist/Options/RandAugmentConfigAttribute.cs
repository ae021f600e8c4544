using Microsoft.Extensions.Options;
using Vit.Data;

namespace Vit.Samples.FashionMnist.Options;

/// <summary>The value is a timm RandAugment config that <see cref="RandAugmentOptions.Parse"/> reads and its validator accepts.</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class RandAugmentConfigAttribute : OptionCheckAttribute
{
    /// <inheritdoc />
    public override string? Problem(string label, object value)
    {
        try
        {
            new RandAugmentOptionsValidator().ThrowIfInvalid(RandAugmentOptions.Parse((string)value));
            return null;
        }
        catch (Exception e) when (e is FormatException or OptionsValidationException)
        {
            return $"{label}: {e.Message}";
        }
    }
}
