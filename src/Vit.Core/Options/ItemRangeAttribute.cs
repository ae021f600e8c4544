using System.Collections;
using System.ComponentModel.DataAnnotations;

namespace Vit.Core;

/// <summary>
/// A <see cref="RangeAttribute"/> for every item of a list option (e.g. each Hide-and-Seek grid size at least 0);
/// <see langword="null"/> passes. <see cref="OptionsValidator{TOptions}"/> reports the first item out of range.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field | AttributeTargets.Parameter, AllowMultiple = false)]
public sealed class ItemRangeAttribute : RangeAttribute
{
    /// <summary>Initialises the attribute with integer bounds.</summary>
    /// <param name="minimum">The smallest allowed item.</param>
    /// <param name="maximum">The largest allowed item.</param>
    public ItemRangeAttribute(int minimum, int maximum)
        : base(minimum, maximum)
    {
    }

    /// <summary>Initialises the attribute with floating-point bounds (<c>double.MinValue, double.MaxValue</c> means every item finite).</summary>
    /// <param name="minimum">The smallest allowed item.</param>
    /// <param name="maximum">The largest allowed item.</param>
    public ItemRangeAttribute(double minimum, double maximum)
        : base(minimum, maximum)
    {
    }

    /// <inheritdoc />
    public override bool IsValid(object? value) => FirstInvalidIndex(value) < 0;

    /// <summary>The index of the first item outside the range, or -1 when there is none.</summary>
    internal int FirstInvalidIndex(object? value)
    {
        if (value is not IEnumerable items || value is string)
        {
            return value is null || base.IsValid(value) ? -1 : 0;
        }

        int index = 0;
        foreach (object? item in items)
        {
            if (item is null || !base.IsValid(item))
            {
                return index;
            }

            index++;
        }

        return -1;
    }
}
