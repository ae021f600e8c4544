using System.Text;
using FluentAssertions;
using TorchSharp;
using Vit.Build;
using Xunit;

namespace Vit.Core.Tests.Build;

/// <summary>
/// The Linux load fix, the build step that makes TorchSharp 0.107 load on GCC 12 systems (see build/LinuxLoadFix.cs).
/// The original library comes from the NuGet cache, which the step itself must never modify.
/// </summary>
[Collection(TorchTestGroup.Name)]
public sealed class LinuxLoadFixTests : IDisposable
{
    private readonly string _workDir = Directory.CreateTempSubdirectory("vit-elf-").FullName;

    public void Dispose() => Directory.Delete(_workDir, recursive: true);

    private static string OriginalLibrary()
    {
        string root = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        return Path.Combine(root, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
    }

    private string CopyOfOriginal()
    {
        string original = OriginalLibrary();
        File.Exists(original).Should().BeTrue($"restore puts TorchSharp 0.107.0 at {original}");
        string copy = Path.Combine(_workDir, "libLibTorchSharp.so");
        File.Copy(original, copy);
        return copy;
    }

    [Fact]
    public void MarkVersionNeedWeak_OnTorchSharp0107_ChangesExactlyTheFlagByte()
    {
        string copy = CopyOfOriginal();
        byte[] before = File.ReadAllBytes(copy);

        LinuxLoadFix.MarkVersionNeedWeak(copy, "GLIBCXX_3.4.32").Should().Be(LinuxLoadFix.PatchOutcome.Patched);

        byte[] after = File.ReadAllBytes(copy);
        after.Length.Should().Be(before.Length);
        int[] changed = Enumerable.Range(0, before.Length).Where(i => before[i] != after[i]).ToArray();
        changed.Should().ContainSingle();
        int flagsOffset = LinuxLoadFix.FindVernauxFlagsOffset(after, "GLIBCXX_3.4.32", copy);
        changed[0].Should().Be(flagsOffset, "only the low byte of vna_flags may change");
        (after[flagsOffset] & 0x2).Should().Be(0x2, "VER_FLG_WEAK is set");
        (before[flagsOffset] & 0x2).Should().Be(0, "TorchSharp 0.107.0 ships the requirement as strong");
    }

    [Fact]
    public void MarkVersionNeedWeak_RunTwice_SecondRunChangesNothing()
    {
        string copy = CopyOfOriginal();
        LinuxLoadFix.MarkVersionNeedWeak(copy, "GLIBCXX_3.4.32");
        byte[] once = File.ReadAllBytes(copy);

        LinuxLoadFix.MarkVersionNeedWeak(copy, "GLIBCXX_3.4.32").Should().Be(LinuxLoadFix.PatchOutcome.AlreadyWeak);

        File.ReadAllBytes(copy).Should().Equal(once);
    }

    [Fact]
    public void MarkVersionNeedWeak_VersionNotRequired_LeavesFileUnchanged()
    {
        // Stands in for a future TorchSharp built against an older libstdc++: nothing to patch, nothing written.
        string copy = CopyOfOriginal();
        byte[] before = File.ReadAllBytes(copy);

        LinuxLoadFix.MarkVersionNeedWeak(copy, "GLIBCXX_9.9.99").Should().Be(LinuxLoadFix.PatchOutcome.NotRequired);

        File.ReadAllBytes(copy).Should().Equal(before);
    }

    [Fact]
    public void MarkVersionNeedWeak_NotAnElfFile_ThrowsNamingTheFile()
    {
        string path = Path.Combine(_workDir, "not-elf.so");
        File.WriteAllBytes(path, Encoding.ASCII.GetBytes(new string('x', 200)));

        Action act = () => LinuxLoadFix.MarkVersionNeedWeak(path, "GLIBCXX_3.4.32");

        act.Should().Throw<InvalidDataException>().WithMessage($"*'{path}' is not an ELF file*");
    }

    [Fact]
    public void MarkVersionNeedWeak_TruncatedElf_ThrowsInsteadOfReadingPastTheEnd()
    {
        string path = Path.Combine(_workDir, "truncated.so");
        File.WriteAllBytes(path, File.ReadAllBytes(OriginalLibrary()).AsSpan(0, 4096).ToArray());

        Action act = () => LinuxLoadFix.MarkVersionNeedWeak(path, "GLIBCXX_3.4.32");

        act.Should().Throw<InvalidDataException>().WithMessage("*section header table outside the file*");
    }

    [SkippableFact]
    public void BuildOutput_OnASystemWithoutTheVersion_HoldsThePatchedLibraryAndTorchLoads()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "the fix only acts on Linux");
        Skip.If(LinuxLoadFix.SystemLibstdcxxDefines("GLIBCXX_3.4.32"), "this system's libstdc++ is new enough");

        string output = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        byte[] built = File.ReadAllBytes(output);
        int flagsOffset = LinuxLoadFix.FindVernauxFlagsOffset(built, "GLIBCXX_3.4.32", output);
        (built[flagsOffset] & 0x2).Should().Be(0x2, "the build marks the requirement weak in the output copy");

        byte[] cached = File.ReadAllBytes(OriginalLibrary());
        (cached[flagsOffset] & 0x2).Should().Be(0, "the NuGet cache copy is never modified");
        Directory.Exists(Path.Combine(AppContext.BaseDirectory, "cpu")).Should().BeFalse("no stale consolidated copy");

        using var sum = torch.arange(4, dtype: torch.float32).sum();
        sum.item<float>().Should().Be(6f);
    }
}
