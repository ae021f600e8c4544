using System.ComponentModel.DataAnnotations;
using System.Globalization;
using FluentAssertions;
using Microsoft.Extensions.Options;
using Xunit;
using static TorchSharp.torch;

namespace Vit.Core.Tests.Options;

public sealed class OptionsValidatorTests
{
    private readonly OptionsValidator<SampleOptions> _validator = new();

    public static TheoryData<Action<SampleOptions>, string> SingleFieldCases => new()
    {
        { o => o.Count = 0, "SampleOptions.Count is 0 but must be at least 1" },
        { o => o.Rate = 0, "SampleOptions.Rate is 0 but must be in (0, 1)" },
        { o => o.Rate = 1, "SampleOptions.Rate is 1 but must be in (0, 1)" },
        { o => o.Scale = double.PositiveInfinity, "SampleOptions.Scale is Infinity but must be a finite number of at least 0" },
        { o => o.Clip = -1.5, "SampleOptions.Clip is -1.5 but must be null or a finite number greater than 0" },
        { o => o.Limit = 11, "SampleOptions.Limit is 11 but must be at most 10" },
        { o => o.Mode = (SampleMode)5, "SampleOptions.Mode is 5 but must be one of First, Second" },
        { o => o.Precision = ScalarType.Float64, "SampleOptions.Precision is Float64 but must be one of Float32, BFloat16, Float16" },
        { o => o.Banned = 13, "SampleOptions.Banned is 13 but must not be 13" },
        { o => o.Name = null!, "SampleOptions.Name is null but must be set" },
        { o => o.Name = "  ", "SampleOptions.Name is \"  \" but must not be empty" },
        { o => o.Sizes = [], "SampleOptions.Sizes is [] but must be null or have at least 1 item" },
        { o => o.Sizes = [4, 0, -2], "SampleOptions.Sizes is [4, 0, -2] but every item must be at least 0 (item 2 is -2)" },
        { o => o.Pair = [1f], "SampleOptions.Pair is [1] but must have 2 to 2 items" },
        { o => o.Few = [1, 2, 3, 4], "SampleOptions.Few is [1, 2, 3, 4] but must have at most 3 items" },
        { o => o.Tag = "toolong", "SampleOptions.Tag is \"toolong\" but must have at most 4 characters" },
        { o => o.Code = "a1", "SampleOptions.Code is \"a1\": The field Code must match the regular expression '^[a-z]+$'" },
    };

    [Fact]
    public void Validate_Defaults_Succeeds()
    {
        _validator.Validate(null, new SampleOptions()).Should().BeSameAs(ValidateOptionsResult.Success);
    }

    [Theory]
    [MemberData(nameof(SingleFieldCases))]
    public void Failures_OneBadField_NamesClassFieldValueAndWhatIsAllowed(Action<SampleOptions> spoil, string message)
    {
        var options = new SampleOptions();
        spoil(options);

        _validator.Failures(options).Should().Equal(message);
    }

    [Fact]
    public void Failures_NullableFieldsLeftNull_Pass()
    {
        _validator.Failures(new SampleOptions { Clip = null, Sizes = null }).Should().BeEmpty();
    }

    [Fact]
    public void Failures_ManyBadFields_ComeInDeclarationOrderThenTheRules()
    {
        var validator = new SampleOptionsValidator();
        var options = new SampleOptions { Tag = "toolong", Count = 0, Limit = -1 };

        validator.Failures(options).Should().Equal(
            "SampleOptions.Count is 0 but must be at least 1",
            "SampleOptions.Tag is \"toolong\" but must have at most 4 characters",
            "SampleOptions.Limit is -1 and Count is 0, but Limit must not be less than Count");
    }

    [Fact]
    public void Failures_InAnotherCulture_FormatInvariantly()
    {
        var culture = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
        try
        {
            _validator.Failures(new SampleOptions { Clip = -0.25, Sizes = [1, -1] }).Should().Equal(
                "SampleOptions.Clip is -0.25 but must be null or a finite number greater than 0",
                "SampleOptions.Sizes is [1, -1] but every item must be at least 0 (item 1 is -1)");
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }
    }

    [Fact]
    public void Failures_LongList_ShowsTheFirstSixteenItemsAndTheCount()
    {
        int[] sizes = [.. Enumerable.Range(0, 19).Select(i => i == 18 ? -1 : i)];

        _validator.Failures(new SampleOptions { Sizes = sizes }).Should().Equal(
            "SampleOptions.Sizes is [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, ... (19 items)] but every item must be at least 0 (item 18 is -1)");
    }

    [Fact]
    public void ThrowIfInvalid_BadOptions_ThrowsOneOptionsValidationExceptionJoiningTheMessages()
    {
        var act = () => new SampleOptionsValidator().ThrowIfInvalid(new SampleOptions { Count = 3, Rate = 2, Limit = 2 });

        var thrown = act.Should().Throw<OptionsValidationException>().Which;
        thrown.Message.Should().Be(
            "SampleOptions.Rate is 2 but must be in (0, 1); SampleOptions.Limit is 2 and Count is 3, but Limit must not be less than Count");
        thrown.OptionsType.Should().Be<SampleOptions>();
        thrown.OptionsName.Should().Be(Microsoft.Extensions.Options.Options.DefaultName);
    }

    [Fact]
    public void ThrowIfInvalid_ValidOptions_DoesNotThrow()
    {
        FluentActions.Invoking(() => _validator.ThrowIfInvalid(new SampleOptions())).Should().NotThrow();
    }

    [Fact]
    public void Validate_AgreesWithDataAnnotationsOnWhichFieldsFail()
    {
        var options = new SampleOptions { Count = 0, Mode = (SampleMode)9, Sizes = [-3], Precision = ScalarType.Int8 };
        var annotations = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), annotations, validateAllProperties: true);

        _validator.Validate("named", options).Failures!.Select(f => f.Split(' ')[0].Split('.')[1])
            .Should().Equal(annotations.SelectMany(a => a.MemberNames));
    }

    public enum SampleMode
    {
        First,
        Second,
    }

    public sealed class SampleOptions
    {
        [Range(1, int.MaxValue)]
        public int Count { get; set; } = 1;

        [Range(0.0, 1.0, MinimumIsExclusive = true, MaximumIsExclusive = true)]
        public double Rate { get; set; } = 0.5;

        [Range(0.0, double.MaxValue)]
        public double Scale { get; set; }

        [Range(0.0, double.MaxValue, MinimumIsExclusive = true)]
        public double? Clip { get; set; } = 1.0;

        [Range(int.MinValue, 10)]
        public int Limit { get; set; } = 10;

        [EnumDataType(typeof(SampleMode))]
        public SampleMode Mode { get; set; }

        [AllowedValues(ScalarType.Float32, ScalarType.BFloat16, ScalarType.Float16)]
        public ScalarType Precision { get; set; } = ScalarType.Float32;

        [DeniedValues(13)]
        public int Banned { get; set; }

        [Required]
        public string Name { get; set; } = "sample";

        [MinLength(1)]
        [ItemRange(0, int.MaxValue)]
        public int[]? Sizes { get; set; }

        [Length(2, 2)]
        public float[] Pair { get; set; } = [0f, 1f];

        [MaxLength(3)]
        public IReadOnlyList<int> Few { get; set; } = [1];

        [StringLength(4)]
        public string Tag { get; set; } = "ok";

        [RegularExpression("^[a-z]+$")]
        public string Code { get; set; } = "abc";

        public int Unchecked { get; set; } = -100;
    }

    private sealed class SampleOptionsValidator : OptionsValidator<SampleOptions>
    {
        protected override IEnumerable<string> RuleFailures(SampleOptions options)
        {
            if (options.Limit < options.Count)
            {
                yield return $"SampleOptions.Limit is {options.Limit} and Count is {options.Count}, but Limit must not be less than Count";
            }
        }
    }
}
