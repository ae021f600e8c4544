using System.Text;
using FluentAssertions;
using Vit.Input;
using Xunit;

namespace Vit.Core.Tests.Input;

public sealed class JsonInputTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("{\"a\":1,\"a\":2}", "the key 'a' appears twice in $")]
    [InlineData("{\"a\":{\"b\":1,\"c\":{},\"b\":2}}", "the key 'b' appears twice in $.a")]
    [InlineData("{\"a\":[{\"x\":1},{\"y\":1,\"y\":2}]}", "the key 'y' appears twice in $.a[]")]
    public void ThrowIfDuplicateKey_RepeatedKey_NamesFileKeyAndObject(string json, string problem)
    {
        var act = () => JsonInput.ThrowIfDuplicateKey(Encoding.UTF8.GetBytes(json), "c.json");

        act.Should().Throw<InvalidDataException>().WithMessage($"'c.json': {problem}; each key may appear once per object.");
    }

    [Fact]
    public void ThrowIfDuplicateKey_SameKeyInSiblingObjects_IsFine()
    {
        var act = () => JsonInput.ThrowIfDuplicateKey("{\"a\":{\"k\":1},\"b\":{\"k\":2},\"c\":[{\"k\":1},{\"k\":2}]}"u8, "c.json");

        act.Should().NotThrow();
    }

    [Fact]
    public void ReadFile_NestedPastTheDepthLimit_ThrowsNamingTheFile()
    {
        string path = _dir.File("deep.json");
        File.WriteAllText(path, new string('[', 65) + new string(']', 65));

        var act = () => JsonInput.ReadFile(path);

        act.Should().Throw<InvalidDataException>().WithMessage($"'{path}' is not valid JSON: *64*");
    }

    [Fact]
    public void ReadFile_LargerThanTheLimit_ThrowsBeforeReading()
    {
        string path = _dir.File("big.json");
        using (var stream = File.Create(path))
        {
            stream.SetLength(InputLimits.MaxJsonBytes + 1);
        }

        var act = () => JsonInput.ReadFile(path);

        act.Should().Throw<InvalidDataException>().WithMessage($"'{path}' is 67108865 bytes, more than the 67108864 bytes Vit reads from such a file.");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadFile_ValidJsonWithOrWithoutByteOrderMark_GivesTheNode(bool byteOrderMark)
    {
        string path = _dir.File("ok.json");
        File.WriteAllText(path, "{\"a\":[1,2]}", new UTF8Encoding(byteOrderMark));

        JsonInput.ReadFile(path)!["a"]!.AsArray().Should().HaveCount(2);
    }
}
