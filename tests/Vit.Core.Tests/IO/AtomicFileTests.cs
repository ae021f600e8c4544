using FluentAssertions;
using Xunit;

namespace Vit.Core.Tests.IO;

public sealed class AtomicFileTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Write_ReplacesTheFileAndLeavesNoTemporaryFile()
    {
        string path = _dir.File("model.json");
        File.WriteAllText(path, "old");

        AtomicFile.WriteAllText(path, "new ü");

        File.ReadAllBytes(path).Should().Equal("new ü"u8.ToArray(), "UTF-8 without a byte-order mark");
        Directory.GetFiles(_dir.Path).Should().Equal(path);
    }

    [Fact]
    public void Write_WriterThrows_KeepsTheOldFileWhole()
    {
        string path = _dir.File("weights.safetensors");
        File.WriteAllText(path, "old content");

        var act = () => AtomicFile.Write(path, stream =>
        {
            stream.Write("half of the new"u8);
            throw new IOException("disk full");
        });

        act.Should().Throw<IOException>().WithMessage("disk full");
        File.ReadAllText(path).Should().Be("old content");
        Directory.GetFiles(_dir.Path).Should().Equal(path);
    }

    [Fact]
    public void WriteAll_ThreeFiles_ReplacesEachAndLeavesNoTemporaryFile()
    {
        string data = _dir.File("model.onnx.data"), graph = _dir.File("model.onnx"), config = _dir.File("config.json");
        File.WriteAllText(config, "old config");

        AtomicFile.WriteAll([(data, s => s.Write("weights"u8)), (graph, s => s.Write("graph"u8)), (config, s => s.Write("new config"u8))]);

        File.ReadAllText(data).Should().Be("weights");
        File.ReadAllText(graph).Should().Be("graph");
        File.ReadAllText(config).Should().Be("new config");
        Directory.GetFiles(_dir.Path).Should().BeEquivalentTo([data, graph, config]);
    }

    [Fact]
    public void WriteAll_LastWriterThrows_LeavesEveryTargetAsItWas()
    {
        string graph = _dir.File("model.onnx"), config = _dir.File("config.json");
        File.WriteAllText(graph, "old graph");
        File.WriteAllText(config, "old config");

        var act = () => AtomicFile.WriteAll([(graph, s => s.Write("new graph"u8)), (config, _ => throw new IOException("disk full"))]);

        act.Should().Throw<IOException>().WithMessage("disk full");
        File.ReadAllText(graph).Should().Be("old graph", "no file is renamed into place before all were written");
        File.ReadAllText(config).Should().Be("old config");
        Directory.GetFiles(_dir.Path).Should().BeEquivalentTo([graph, config]);
    }

    [Fact]
    public void Copy_CopiesTheBytesOverTheDestination()
    {
        string source = _dir.File("checkpoint-00000010.safetensors");
        string destination = _dir.File("best.safetensors");
        byte[] bytes = [.. Enumerable.Range(0, 3_000_000).Select(i => (byte)(i * 7))];
        File.WriteAllBytes(source, bytes);
        File.WriteAllText(destination, "older best");

        AtomicFile.Copy(source, destination);

        File.ReadAllBytes(destination).Should().Equal(bytes);
        Directory.GetFiles(_dir.Path).Should().BeEquivalentTo([source, destination]);
    }

    [Fact]
    public void Copy_MissingSource_ThrowsAndLeavesTheDestination()
    {
        string destination = _dir.File("best.safetensors");
        File.WriteAllText(destination, "older best");

        var act = () => AtomicFile.Copy(_dir.File("missing.safetensors"), destination);

        act.Should().Throw<FileNotFoundException>();
        File.ReadAllText(destination).Should().Be("older best");
        Directory.GetFiles(_dir.Path).Should().Equal(destination);
    }
}
