using FluentAssertions;
using Vit.Fuzz;
using Vit.Input;
using Xunit;

namespace Vit.Core.Tests.Input;

public sealed class RegularFileTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("fifo", "Fifo")]
    [InlineData("dev-zero-link", "CharacterDevice")]
    [InlineData("directory", "Directory")]
    public void KindOf_SpecialFiles_NamesTheirKindFollowingLinks(string kind, string expected)
    {
        string path = _dir.File("x.bin");
        SpecialFiles.Kinds.Single(k => k.Kind == kind).Make(path);

        RegularFile.KindOf(path).ToString().Should().Be(expected);
        RegularFile.Exists(path).Should().BeFalse();
    }

    [Fact]
    public void KindOf_RegularFileLinkAndMissing_AreTold()
    {
        File.WriteAllText(_dir.File("a.txt"), "a");
        File.CreateSymbolicLink(_dir.File("link.txt"), _dir.File("a.txt"));
        File.CreateSymbolicLink(_dir.File("dangling.txt"), _dir.File("none.txt"));

        RegularFile.KindOf(_dir.File("a.txt")).Should().Be(FileKind.Regular);
        RegularFile.KindOf(_dir.File("link.txt")).Should().Be(FileKind.Regular);
        RegularFile.KindOf(_dir.File("dangling.txt")).Should().Be(FileKind.Missing);
        RegularFile.KindOf(_dir.File("none.txt")).Should().Be(FileKind.Missing);
    }

    [Fact]
    public void OpenRead_Fifo_ThrowsInsteadOfBlocking()
    {
        string path = _dir.File("pipe");
        SpecialFiles.Fifo(path);

        var act = () => RegularFile.OpenRead(path);

        act.Should().Throw<InvalidDataException>().WithMessage($"'{path}' is a FIFO (named pipe), not a regular file; Vit reads only regular files.");
    }

    [Fact]
    public void OpenRead_LargerThanTheLimit_ThrowsBeforeReading()
    {
        string path = _dir.File("big.json");
        SpecialFiles.Sparse(path, 1000);

        var act = () => RegularFile.OpenRead(path, maxBytes: 999);

        act.Should().Throw<InvalidDataException>().WithMessage($"'{path}' is 1000 bytes, more than the 999 bytes Vit reads from such a file.");
    }

    [Fact]
    public void Identity_TwoLinksToOneFolder_AreTheSame()
    {
        Directory.CreateDirectory(_dir.File("real"));
        Directory.CreateSymbolicLink(_dir.File("one"), _dir.File("real"));
        Directory.CreateSymbolicLink(_dir.File("two"), "real");

        RegularFile.Identity(_dir.File("one")).Should().Be(RegularFile.Identity(_dir.File("real")))
            .And.Be(RegularFile.Identity(_dir.File("two")));
        RegularFile.Identity(_dir.Path).Should().NotBe(RegularFile.Identity(_dir.File("real")));
    }
}
