using FluentAssertions;
using Xunit;
using static TorchSharp.torch;

namespace Vit.Core.Tests.Performance;

[Collection(TorchTestGroup.Name)]
public sealed class OpenMpSpinWaitTests
{
    [Fact]
    public void Limit_NegativeSpinCount_ThrowsNamingTheValue()
    {
        var act = () => OpenMpSpinWait.Limit(-1);

        act.Should().Throw<ArgumentOutOfRangeException>().Which.Message.Should().Contain("got -1");
    }

    [SkippableFact]
    public void Limit_AfterLibTorchLoaded_ReportsTooLate()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "libgomp is libtorch's OpenMP runtime on Linux only.");
        using (ones(2).sum())
        {
        }

        OpenMpSpinWait.IsLibGompLoaded().Should().BeTrue("libtorch_cpu links libgomp");
        OpenMpSpinWait.Limit().Should().BeFalse("libgomp read its environment when it loaded");
    }
}
