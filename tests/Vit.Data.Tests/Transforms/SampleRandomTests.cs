using FluentAssertions;
using Xunit;

namespace Vit.Data.Tests;

public sealed class SampleRandomTests
{
    private const int Draws = 20_000;

    private static double[] Sample(ulong key, Func<SampleRandom, double> draw)
    {
        var random = new SampleRandom(key);
        return [.. Enumerable.Range(0, Draws).Select(_ => draw(random))];
    }

    private static (double Mean, double Variance) Moments(double[] values)
    {
        double mean = values.Average();
        return (mean, values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1));
    }

    [Fact]
    public void NextDouble_SplitMix64_KnownFirstValues()
    {
        // SplitMix64 from state 0: the reference outputs 0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4 (Vigna's splitmix64.c).
        var random = new SampleRandom(0);
        random.NextUInt64().Should().Be(0xE220A8397B1DCDAFUL);
        random.NextUInt64().Should().Be(0x6E789E6AA1B965F4UL);
        new SampleRandom(0).NextDouble().Should().Be((0xE220A8397B1DCDAFUL >> 11) / (double)(1UL << 53));
    }

    [Fact]
    public void NextDouble_Uniform_MeanAndVarianceOfUniform()
    {
        var (mean, variance) = Moments(Sample(1, r => r.NextDouble()));
        mean.Should().BeApproximately(0.5, 4 * Math.Sqrt(1.0 / 12 / Draws));
        variance.Should().BeApproximately(1.0 / 12, 0.003);
    }

    [Fact]
    public void NextInt_Bound_EveryValueAboutEquallyOften()
    {
        var random = new SampleRandom(2);
        int[] counts = new int[7];
        for (int i = 0; i < Draws; i++)
        {
            counts[random.NextInt(7)]++;
        }

        double expected = Draws / 7.0, se = Math.Sqrt(Draws * (1.0 / 7) * (6.0 / 7));
        counts.Should().OnlyContain(c => Math.Abs(c - expected) < 4 * se);
        var act = () => random.NextInt(0);
        act.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void NextGaussian_Standard_MeanZeroVarianceOne()
    {
        var (mean, variance) = Moments(Sample(3, r => r.NextGaussian()));
        mean.Should().BeApproximately(0, 4 / Math.Sqrt(Draws));
        variance.Should().BeApproximately(1, 4 * Math.Sqrt(2.0 / Draws));
    }

    [Theory]
    [InlineData(0.3)]
    [InlineData(1.0)]
    [InlineData(4.5)]
    public void NextGamma_Shape_MeanAndVarianceEqualShape(double shape)
    {
        var values = Sample(4, r => r.NextGamma(shape));
        var (mean, variance) = Moments(values);
        values.Should().OnlyContain(v => v >= 0);
        mean.Should().BeApproximately(shape, 4 * Math.Sqrt(shape / Draws));
        variance.Should().BeApproximately(shape, 0.1 * shape);
    }

    [Theory]
    [InlineData(0.8, 0.8)]
    [InlineData(1.0, 1.0)]
    [InlineData(2.0, 5.0)]
    public void NextBeta_Shapes_MeanAndVarianceOfBeta(double a, double b)
    {
        var values = Sample(5, r => r.NextBeta(a, b));
        var (mean, variance) = Moments(values);
        double expectedMean = a / (a + b), expectedVariance = a * b / ((a + b) * (a + b) * (a + b + 1));
        values.Should().OnlyContain(v => v >= 0 && v <= 1);
        mean.Should().BeApproximately(expectedMean, 4 * Math.Sqrt(expectedVariance / Draws));
        variance.Should().BeApproximately(expectedVariance, 0.05 * expectedVariance);
    }

    [Fact]
    public void NextGamma_BadShape_Throws()
    {
        var random = new SampleRandom(6);
        var act = () => random.NextGamma(0);
        act.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("shape");
    }
}
