using FluentAssertions;
using Microsoft.Extensions.Options;
using Xunit;

namespace Vit.Distributed.Tests;

public sealed class MpiOptionsValidatorTests
{
    private static ValidateOptionsResult Validate(MpiOptions options) => new MpiOptionsValidator().Validate(Options.DefaultName, options);

    [Fact]
    public void Validate_Defaults_Succeed()
    {
        var options = new MpiOptions();

        Validate(options).Succeeded.Should().BeTrue();
        options.CollectiveTimeout.Should().Be(TimeSpan.FromMinutes(10));
        options.LibraryPath.Should().BeNull();
    }

    [Theory]
    [InlineData(0.0, "MpiOptions.CollectiveTimeout is 00:00:00 but must be in [00:00:01, 24.00:00:00]")]
    [InlineData(0.5, "MpiOptions.CollectiveTimeout is 00:00:00.5000000 but must be in [00:00:01, 24.00:00:00]")]
    [InlineData(3_000_000.0, "MpiOptions.CollectiveTimeout is 34.17:20:00 but must be in [00:00:01, 24.00:00:00]")]
    public void Validate_TimeoutOutOfRange_NamesFieldAndValue(double seconds, string expected)
    {
        Validate(new MpiOptions { CollectiveTimeout = TimeSpan.FromSeconds(seconds) }).Failures.Should().Equal(expected);
    }

    [Fact]
    public void Validate_TimeoutAtTheBounds_Succeeds()
    {
        Validate(new MpiOptions { CollectiveTimeout = TimeSpan.FromSeconds(1) }).Succeeded.Should().BeTrue();
        Validate(new MpiOptions { CollectiveTimeout = TimeSpan.FromDays(24) }).Succeeded.Should().BeTrue();
    }

    [Theory]
    [InlineData("", "MpiOptions.LibraryPath is \"\" but must be null or have at least 1 character")]
    [InlineData("  ", "MpiOptions.LibraryPath is \"  \" but must be null (the default names) or a library name or path")]
    public void Validate_BadLibraryPath_NamesFieldAndValue(string path, string expected)
    {
        Validate(new MpiOptions { LibraryPath = path }).Failures.Should().Equal(expected);
    }
}
