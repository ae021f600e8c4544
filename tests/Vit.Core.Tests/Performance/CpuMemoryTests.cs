using System.Globalization;
using FluentAssertions;
using Xunit;
using static TorchSharp.torch;

namespace Vit.Core.Tests.Performance;

[Collection(TorchTestGroup.Name)]
public sealed class CpuMemoryTests
{
    // 16 MiB blocks: small enough for the heaps glibc gives threads other than the main one (64 MiB each), where xunit
    // runs the tests, so freeing them leaves them in the retained heap rather than unmapping them.
    private const long Elements = 4L * 1024 * 1024;

    [Fact]
    public void ReturnLargeBlocks_ThresholdBelowOnePage_Throws()
    {
        var act = () => CpuMemory.ReturnLargeBlocks(1024);

        act.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("thresholdBytes");
    }

    [SkippableFact]
    public void ReturnLargeBlocks_OnLinuxWithGlibc_EndsRetention()
    {
        Skip.IfNot(OperatingSystem.IsLinux() && File.Exists("/proc/self/stat"), "glibc is Linux-only.");
        try
        {
            CpuMemory.RetainFreedMemory().Should().BeTrue();

            CpuMemory.ReturnLargeBlocks().Should().BeTrue();

            CpuMemory.IsRetainingFreedMemory.Should().BeFalse();
        }
        finally
        {
            CpuMemory.RetainFreedMemory();
        }
    }

    [SkippableFact]
    public void RetainFreedMemory_OnLinuxWithGlibc_IsInForce()
    {
        Skip.IfNot(OperatingSystem.IsLinux() && File.Exists("/proc/self/stat"), "glibc is Linux-only.");

        CpuMemory.RetainFreedMemory().Should().BeTrue();

        CpuMemory.IsRetainingFreedMemory.Should().BeTrue();
    }

    [SkippableFact]
    public void ReleaseFreedMemory_AfterLargeTensorFreed_ResidentMemoryDrops()
    {
        Skip.IfNot(OperatingSystem.IsLinux() && File.Exists("/proc/self/status"), "glibc and /proc are Linux-only.");
        CpuMemory.RetainFreedMemory().Should().BeTrue();
        using (var a = ones(Elements))
        using (var b = ones(Elements))
        using (var c = ones(Elements))
        {
            a.add(b).add_(c).sum().Dispose();
        }

        double before = ResidentMb();
        CpuMemory.ReleaseFreedMemory();
        double after = ResidentMb();

        (before - after).Should().BeGreaterThan(32, "the 64 MiB of blocks freed into the retained heap go back to the system");
    }

    private static double ResidentMb()
    {
        string line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
    }
}
