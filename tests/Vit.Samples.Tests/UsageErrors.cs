using FluentAssertions;
using FluentAssertions.Specialized;

namespace Vit.Samples.Tests;

/// <summary>
/// Asserts the Fashion-MNIST sample's <c>UsageException</c> (exit code 2): the inference sample has a type of the
/// same name, so the tests name it by its assembly instead of by type.
/// </summary>
internal static class UsageErrors
{
    public static ExceptionAssertions<Exception> ShouldFailWithUsage(this Action action, string message)
    {
        var thrown = action.Should().Throw<Exception>().WithMessage(message);
        thrown.Which.GetType().FullName.Should().Be("Vit.Samples.UsageException");
        thrown.Which.GetType().Assembly.GetName().Name.Should().Be("Vit.Samples.FashionMnist");
        return thrown;
    }

    public static ExceptionAssertions<Exception> ShouldFailWithUsage<T>(this Func<T> function, string message) =>
        ShouldFailWithUsage(new Action(() => function()), message);
}
