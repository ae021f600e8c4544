using FluentAssertions;
using Vit.Samples.FashionMnist;
using Xunit;

namespace Vit.Samples.Tests;

public sealed class TensorBoardFolderTests
{
    [Fact]
    public void Dispose_WithoutKeep_RemovesTheFoldersItCreated()
    {
        using var directory = new TempDirectory();
        string path = directory.File(Path.Combine("new", "tb"));

        using (var folder = TensorBoardFolder.Create(path))
        {
            Directory.Exists(path).Should().BeTrue();
            File.WriteAllText(Path.Combine(folder.Path, "events.out.tfevents.1"), "x");
        }

        Directory.Exists(directory.File("new")).Should().BeFalse();
        Directory.Exists(directory.Path).Should().BeTrue();
    }

    [Fact]
    public void Dispose_AfterKeep_LeavesTheFolder()
    {
        using var directory = new TempDirectory();
        string path = directory.File("tb");

        using (var folder = TensorBoardFolder.Create(path))
        {
            folder.Keep();
        }

        Directory.Exists(path).Should().BeTrue();
    }

    [Fact]
    public void Dispose_FolderThatExistedBefore_LeavesItAndItsFiles()
    {
        using var directory = new TempDirectory();
        string path = directory.File("tb");
        Directory.CreateDirectory(path);
        File.WriteAllText(Path.Combine(path, "earlier.tfevents"), "x");

        using (TensorBoardFolder.Create(path))
        {
        }

        File.Exists(Path.Combine(path, "earlier.tfevents")).Should().BeTrue();
    }

    [Fact]
    public void Check_ExistingFile_ThrowsExpectingAFolder()
    {
        using var directory = new TempDirectory();
        string path = directory.File("tb.txt");
        File.WriteAllText(path, "x");

        FluentActions.Invoking(() => TensorBoardFolder.Check(path)).ShouldFailWithUsage($"--tensorboard '{path}' is a file; expected a folder.");
    }

    [Fact]
    public void Check_FolderBelowAFile_ThrowsNamingTheFile()
    {
        using var directory = new TempDirectory();
        string file = directory.File("file");
        File.WriteAllText(file, "x");
        string path = Path.Combine(file, "tb");

        FluentActions.Invoking(() => TensorBoardFolder.Check(path)).ShouldFailWithUsage($"--tensorboard '{path}' cannot be a folder: '{file}' is a file.");
    }
}
