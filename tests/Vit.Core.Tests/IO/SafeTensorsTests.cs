using System.Text;
using FluentAssertions;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Vit.Core.Tests.IO;

[Collection(TorchTestGroup.Name)]
public sealed class SafeTensorsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vit-st-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    [Fact]
    public void Load_TimmWeightsFixture_ReturnsEveryTensorWithShapeAndValues()
    {
        using var scope = NewDisposeScope();
        var tensors = SafeTensors.Load(TestFiles.Fixture("timm_vit_p4_32_rgb_cls.weights.safetensors"));

        // 4 stem tensors + 12 per block x 2 blocks + norm (2) + head (2); numbers read with Python by hand.
        tensors.Should().HaveCount(32);
        tensors.Keys.First().Should().Be("cls_token");
        tensors["pos_embed"].shape.Should().Equal(1, 65, 192);
        tensors["blocks.1.attn.qkv.weight"].shape.Should().Equal(576, 192);
        tensors["head.weight"].dtype.Should().Be(ScalarType.Float32);
        tensors["head.weight"].device_type.Should().Be(DeviceType.CPU);
        tensors["cls_token"][0, 0, ..3].data<float>().ToArray().Should().Equal(-0.031390078365802765f, -0.020392753183841705f, -0.00624054204672575f);
        tensors["head.bias"][9].item<float>().Should().Be(0.001769314636476338f);
        tensors["pos_embed"].to(ScalarType.Float64).sum().item<double>().Should().BeApproximately(2.8577035607013386, 1e-9);
    }

    [Fact]
    public void ReadMetadata_TimmFixture_ReturnsFormatAndProducer()
    {
        var metadata = SafeTensors.ReadMetadata(TestFiles.Fixture("timm_vit_p4_32_rgb_avg.weights.safetensors"));

        metadata.Should().BeEquivalentTo(new Dictionary<string, string> { ["format"] = "pt", ["producer"] = "timm 1.0.29.dev0" });
    }

    [Fact]
    public void Save_LoadedFixture_WritesTheSameDataBytesAndAnAlignedHeader()
    {
        using var scope = NewDisposeScope();
        string source = TestFiles.Fixture("timm_vit_p4_32_rgb_cls.io.safetensors");
        string copy = PathOf("copy.safetensors");

        SafeTensors.Save(copy, SafeTensors.Load(source));

        byte[] original = File.ReadAllBytes(source);
        byte[] written = File.ReadAllBytes(copy);
        long headerLength = BitConverter.ToInt64(written, 0);
        (headerLength % 8).Should().Be(0);
        written.AsSpan(8 + (int)headerLength).SequenceEqual(original.AsSpan(8 + (int)BitConverter.ToInt64(original, 0))).Should().BeTrue();
        SafeTensors.ReadMetadata(copy).Should().BeEmpty();
    }

    [Fact]
    public void Save_ThenLoad_EverySupportedDType_RoundTripsExactly()
    {
        using var scope = NewDisposeScope();
        var source = new Dictionary<string, Tensor>
        {
            ["f64"] = torch.randn(3, 5, dtype: ScalarType.Float64),
            ["f32.transposed"] = torch.randn(4, 6).t(),
            ["f16"] = torch.randn(7, dtype: ScalarType.Float16),
            ["bf16"] = torch.randn(2, 3, 4).to(ScalarType.BFloat16),
            ["i64"] = torch.tensor(new long[] { long.MinValue, -1, 0, long.MaxValue }),
            ["i32"] = torch.tensor(new[] { int.MinValue, 7, int.MaxValue }),
            ["i16"] = torch.tensor(new short[] { -300, 300 }),
            ["i8"] = torch.tensor(new sbyte[] { -128, 127 }),
            ["u8"] = torch.tensor(new byte[] { 0, 255, 17 }),
            ["bool"] = torch.tensor(new[] { true, false, true }),
            ["scalar"] = torch.tensor(3.5f),
            ["empty"] = torch.zeros(0, 4),
        };
        string path = PathOf("all.safetensors");

        SafeTensors.Save(path, source, new Dictionary<string, string> { ["note"] = "tëst \"quoted\"" });
        var loaded = SafeTensors.Load(path);

        loaded.Keys.Should().Equal(source.Keys);
        foreach (var (name, expected) in source)
        {
            loaded[name].dtype.Should().Be(expected.dtype, name);
            loaded[name].shape.Should().Equal(expected.shape, name);
            loaded[name].equal(expected).all().item<bool>().Should().BeTrue(name);
        }

        SafeTensors.ReadMetadata(path)["note"].Should().Be("tëst \"quoted\"");
    }

    [Fact]
    public void Save_OverExistingFile_ReplacesItAndLeavesNoTemporaryFile()
    {
        using var scope = NewDisposeScope();
        string path = PathOf("w.safetensors");
        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["a"] = torch.ones(100) });

        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["b"] = torch.zeros(2) });

        SafeTensors.Load(path).Keys.Should().Equal("b");
        Directory.GetFiles(_dir).Should().Equal(path);
    }

    [Fact]
    public void Save_UnsupportedDType_ThrowsAndKeepsTheExistingFile()
    {
        using var scope = NewDisposeScope();
        string path = PathOf("keep.safetensors");
        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["a"] = torch.ones(3) });
        byte[] before = File.ReadAllBytes(path);

        var act = () => SafeTensors.Save(path, new Dictionary<string, Tensor> { ["a"] = torch.ones(3), ["c"] = torch.ones(2, dtype: ScalarType.ComplexFloat32) });

        act.Should().Throw<ArgumentException>().WithMessage("Tensor 'c' has dtype ComplexFloat32*");
        File.ReadAllBytes(path).Should().Equal(before);
        Directory.GetFiles(_dir).Should().Equal(path);
    }

    [Theory]
    [InlineData("__metadata__", "Tensor name '__metadata__' is empty or reserved.*")]
    [InlineData("", "Tensor name '' is empty or reserved.*")]
    public void Save_ReservedOrEmptyName_Throws(string name, string message)
    {
        using var scope = NewDisposeScope();
        var act = () => SafeTensors.Save(PathOf("x.safetensors"), new[] { KeyValuePair.Create(name, torch.ones(1)) });

        act.Should().Throw<ArgumentException>().WithMessage(message);
    }

    [Fact]
    public void Save_DuplicateName_Throws()
    {
        using var scope = NewDisposeScope();
        var tensors = new[] { KeyValuePair.Create("a", torch.ones(1)), KeyValuePair.Create("a", torch.ones(2)) };

        var act = () => SafeTensors.Save(PathOf("x.safetensors"), tensors);

        act.Should().Throw<ArgumentException>().WithMessage("Tensor name 'a' appears twice.*");
    }

    [Theory]
    [InlineData(0, "*the file is 0 bytes long, shorter than the 8-byte header-length prefix*")]
    [InlineData(5, "*the file is 5 bytes long*")]
    [InlineData(8, "*the header length 296 exceeds the 0 bytes after the prefix (truncated file?)*")]
    [InlineData(200, "*the header length 296 exceeds the 192 bytes after the prefix*")]
    [InlineData(304, "*tensor 'input' ends at data byte 36864, past the end of the data section (0 bytes; truncated file?)*")]
    [InlineData(189_351, "*tensor 'logits' ends at data byte 189048, past the end of the data section (189047 bytes*")]
    public void Load_TruncatedFile_ThrowsInvalidDataNamingFileAndProblem(int keptBytes, string message)
    {
        byte[] original = File.ReadAllBytes(TestFiles.Fixture("timm_vit_p4_32_rgb_cls.io.safetensors"));
        string path = PathOf("truncated.safetensors");
        File.WriteAllBytes(path, original[..keptBytes]);

        var act = () => SafeTensors.Load(path);

        act.Should().Throw<InvalidDataException>().WithMessage($"'{path}' is not a valid safetensors file: {message}");
    }

    [Fact]
    public void Load_HeaderWithInvalidUtf8_ThrowsInvalidData()
    {
        string path = PathOf("utf8.safetensors");
        File.WriteAllBytes(path, [.. BitConverter.GetBytes(4UL), (byte)'{', (byte)'"', 0x9D, (byte)'"']);

        var act = () => SafeTensors.Load(path);

        act.Should().Throw<InvalidDataException>().WithMessage("*the header is not valid UTF-8*");
    }

    [Fact]
    public void Load_HeaderLengthNearUInt64Max_ThrowsWithoutAllocating()
    {
        string path = PathOf("huge.safetensors");
        File.WriteAllBytes(path, [.. BitConverter.GetBytes(ulong.MaxValue - 3), .. "{}"u8]);

        var act = () => SafeTensors.Load(path);

        act.Should().Throw<InvalidDataException>().WithMessage("*the header length 18446744073709551612 exceeds the limit of 100000000 bytes*");
    }

    [Theory]
    [InlineData("{", 0, "*the header is not valid JSON*")]
    [InlineData("[1,2]", 0, "*the header is a JSON Array, expected an object*")]
    [InlineData("{\"a\":{\"dtype\":\"F8_E4M3\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1, "*tensor 'a' has dtype 'F8_E4M3', which is not supported*")]
    [InlineData("{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "*tensor 'a' has no string 'dtype'*")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4, "*tensor 'a' has no 'shape' array*")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4, "*tensor 'a' has 'shape' item -1, expected a non-negative integer*")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", 4, "*'shape' item 1.5*")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", 4, "*data_offsets [4, 0], expected [begin, end] with begin <= end*")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4, "*tensor 'a' (F32 [2]) needs 8 bytes but its data_offsets [0, 4] span 4*")]
    [InlineData("{\"a\":{\"dtype\":\"U8\",\"shape\":[4294967296,4294967296,4294967296],\"data_offsets\":[0,4]}}", 4, "*whose byte size overflows*")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "*tensor 'b' (bytes 4..8) overlaps tensor 'a' (ends at 8)*")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "*data bytes 0..4 before tensor 'a' belong to no tensor*")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 6, "*the data section has 6 bytes but the tensors cover only 4*")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,4]}}", 4, "*the header names 'a' twice*")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[0,4611686018427387904,4611686018427387904],\"data_offsets\":[0,0]}}", 0, "*tensor 'a' has shape [0, 4611686018427387904, 4611686018427387904], whose byte size overflows*")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "*tensor 'a' names 'dtype' twice.")]
    [InlineData("{\"__metadata__\":{\"k\":1}}", 0, "*__metadata__ entry 'k' is a JSON Number, expected a string*")]
    [InlineData("{\"__metadata__\":[]}", 0, "*__metadata__ is a JSON Array, expected an object of strings*")]
    [InlineData("{\"a\":7}", 0, "*tensor 'a' is described by a JSON Number, expected an object*")]
    public void Load_InconsistentHeader_ThrowsInvalidDataNamingTheProblem(string header, int dataBytes, string message)
    {
        string path = WriteRaw("bad.safetensors", header, dataBytes);

        var act = () => SafeTensors.Load(path);

        act.Should().Throw<InvalidDataException>().WithMessage(message).Which.Message.Should().Contain(path);
        FluentActions.Invoking(() => SafeTensors.ReadMetadata(path)).Should().Throw<InvalidDataException>();
    }

    [Fact]
    public void Load_RandomlyCorruptedFiles_LoadOrThrowInvalidDataOnly()
    {
        using var scope = NewDisposeScope();
        string good = PathOf("good.safetensors");
        SafeTensors.Save(good, new Dictionary<string, Tensor> { ["w"] = torch.ones(2, 3), ["b"] = torch.zeros(3, dtype: ScalarType.Int64) });
        byte[] bytes = File.ReadAllBytes(good);
        var random = new Random(1234);
        string path = PathOf("fuzz.safetensors");

        for (int i = 0; i < 300; i++)
        {
            byte[] corrupt = (byte[])bytes.Clone();
            int position = random.Next(0, Math.Min(corrupt.Length, 120));
            corrupt[position] = (byte)random.Next(256);
            File.WriteAllBytes(path, corrupt[..random.Next(corrupt.Length - 4, corrupt.Length + 1)]);
            try
            {
                SafeTensors.Load(path);
            }
            catch (InvalidDataException)
            {
            }
        }
    }

    private string WriteRaw(string name, string header, int dataBytes)
    {
        byte[] json = Encoding.UTF8.GetBytes(header);
        string path = PathOf(name);
        File.WriteAllBytes(path, [.. BitConverter.GetBytes((ulong)json.Length), .. json, .. new byte[dataBytes]]);
        return path;
    }
}
