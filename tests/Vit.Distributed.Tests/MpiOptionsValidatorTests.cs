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
    [InlineData(0.0, "MpiOptions.CollectiveTimeout must be in [00:00:00.001, 24.00:00:00]; got 00:00:00.")]
    [InlineData(-1.0, "MpiOptions.CollectiveTimeout must be in [00:00:00.001, 24.00:00:00]; got -00:00:01.")]
    [InlineData(3_000_000.0, "MpiOptions.CollectiveTimeout must be in [00:00:00.001, 24.00:00:00]; got 34.17:20:00.")]
    public void Validate_TimeoutOutOfRange_NamesFieldAndValue(double seconds, string expected)
    {
        Validate(new MpiOptions { CollectiveTimeout = TimeSpan.FromSeconds(seconds) }).Failures.Should().Equal(expected);
    }

    [Fact]
    public void Validate_TimeoutAtTheBounds_Succeeds()
    {
        Validate(new MpiOptions { CollectiveTimeout = TimeSpan.FromMilliseconds(1) }).Succeeded.Should().BeTrue();
        Validate(new MpiOptions { CollectiveTimeout = TimeSpan.FromDays(24) }).Succeeded.Should().BeTrue();
    }

    [Theory]
    [InlineData("", "MpiOptions.LibraryPath must be null or at least 1 character(s) long; got \"\".")]
    [InlineData("  ", "MpiOptions.LibraryPath must be null (the default names) or a library name or path; got only white space.")]
    public void Validate_BadLibraryPath_NamesFieldAndValue(string path, string expected)
    {
        Validate(new MpiOptions { LibraryPath = path }).Failures.Should().Equal(expected);
    }
}
