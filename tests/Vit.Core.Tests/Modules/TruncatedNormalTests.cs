using FluentAssertions;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Vit.Core.Tests.Modules;

[Collection(TorchTestGroup.Name)]
public sealed class TruncatedNormalTests
{
    [Fact]
    public void Fill_StandardNormalCutAtOne_HasTheTruncatedMoments()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(7);
        var samples = torch.empty(200_000);

        TruncatedNormal.Fill(samples, std: 1, a: -1, b: 1);

        // N(0,1) truncated to [-1, 1]: variance 1 - 2 phi(1) / (Phi(1) - Phi(-1)) = 0.291125, std 0.539560.
        samples.min().item<float>().Should().BeGreaterThanOrEqualTo(-1f);
        samples.max().item<float>().Should().BeLessThanOrEqualTo(1f);
        samples.mean().item<float>().Should().BeApproximately(0f, 0.005f);
        samples.std().item<float>().Should().BeApproximately(0.53956f, 0.003f);
    }

    [Fact]
    public void Fill_TimmVitSetting_IsNormalWithStdPointZeroTwo()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(8);
        var samples = torch.empty(100_000);

        TruncatedNormal.Fill(samples, std: 0.02);

        samples.std().item<float>().Should().BeApproximately(0.02f, 0.0003f);
        samples.mean().item<float>().Should().BeApproximately(0f, 0.0003f);
        samples.unique().Item1.numel().Should().BeGreaterThan(90_000, "the TorchSharp 0.107 built-in fills a constant instead");
    }

    [Fact]
    public void Fill_ShiftedMeanAndOneSidedBounds_StaysInsideAndCentresAsExpected()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(9);
        var samples = torch.empty(100_000);

        TruncatedNormal.Fill(samples, std: 2, mean: 3, a: 3, b: 100);

        // Half-normal above the mean: mean 3 + 2 sqrt(2/pi) = 4.595769.
        samples.min().item<float>().Should().BeGreaterThanOrEqualTo(3f);
        samples.mean().item<float>().Should().BeApproximately(4.595769f, 0.02f);
    }
}
