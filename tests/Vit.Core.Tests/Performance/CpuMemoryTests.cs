using System.Globalization;
using FluentAssertions;
using Xunit;
using static TorchSharp.torch;

namespace Vit.Core.Tests.Performance;

[Collection(TorchTestGroup.Name)]
public sealed class CpuMemoryTests
{
    // 16 MiB blocks: large enough to be mapped on their own once ReturnLargeBlocks is in force, and small enough for
    // the heaps glibc gives threads other than the main one (64 MiB each), where xunit runs the tests.
    private const long Elements = 4L * 1024 * 1024;

    [Fact]
    public void ReturnLargeBlocks_ThresholdBelowOnePage_Throws()
    {
        var act = () => CpuMemory.ReturnLargeBlocks(1024);

        act.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("thresholdBytes");
    }

    [SkippableFact]
    public void ReturnLargeBlocks_LargeTensorFreedAndAllocatedAgain_FaultsEveryPageAgain()
    {
        Skip.IfNot(OperatingSystem.IsLinux() && File.Exists("/proc/self/stat"), "glibc and /proc are Linux-only.");
        try
        {
            CpuMemory.ReturnLargeBlocks().Should().BeTrue();
            CpuMemory.IsRetainingFreedMemory.Should().BeFalse();
            FaultsForRefill().Should().BeGreaterThan(Elements * 4 / 4096 / 2, "each new mapping is faulted in page by page");
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

    private static long FaultsForRefill()
    {
        // Allocate, touch and free once (so the allocator has seen the block), then count the faults of doing it again.
        using (var first = ones(Elements))
        {
            first.sum().Dispose();
        }

        long before = MinorFaults();
        using (var second = ones(Elements))
        {
            second.sum().Dispose();
        }

        return MinorFaults() - before;
    }

    private static long MinorFaults()
    {
        string stat = File.ReadAllText("/proc/self/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[7], CultureInfo.InvariantCulture); // field 10, minflt
    }

    private static double ResidentMb()
    {
        string line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
    }
}
