using System.Buffers.Binary;
using System.Text;
using Vit.Core;

namespace Vit.Fuzz;

/// <summary><see cref="SafeTensors.Load"/> (issue 21, item 14: special files, shapes whose size overflows).</summary>
public sealed class SafeTensorsReader : IFuzzReader
{
    private const string FileName = "model.safetensors";

    /// <inheritdoc/>
    public string Name => "safetensors";

    /// <inheritdoc/>
    public Action<string>? RunFile => file => Dispose(SafeTensors.Load(file));

    /// <inheritdoc/>
    public IReadOnlyList<FuzzCase> Cases { get; } = Build();

    /// <summary>A safetensors file: length prefix, header JSON, data.</summary>
    public static byte[] Make(string header, byte[] data)
    {
        byte[] json = Encoding.UTF8.GetBytes(header);
        byte[] file = new byte[8 + json.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)json.Length);
        json.CopyTo(file, 8);
        data.CopyTo(file, 8 + json.Length);
        return file;
    }

    private static byte[] Valid() => Make("""{"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"b":{"dtype":"I64","shape":[1],"data_offsets":[16,24]}}""", new byte[24]);

    private static void Dispose(Dictionary<string, TorchSharp.torch.Tensor> tensors)
    {
        foreach (var t in tensors.Values)
        {
            t.Dispose();
        }
    }

    private static string Read(string dir)
    {
        var tensors = SafeTensors.Load(Path.Combine(dir, FileName));
        string summary = string.Join(" ", tensors.Select(t => $"{t.Key}[{string.Join(",", t.Value.shape)}]"));
        Dispose(tensors);
        return summary;
    }

    private static FuzzCase Case(string name, string caseClass, byte[] bytes, FuzzExpectation expect) =>
        new(name, caseClass, dir => File.WriteAllBytes(Path.Combine(dir, FileName), bytes), Read, expect);

    private static List<FuzzCase> Build()
    {
        var bad = FuzzExpectation.Invalid(FileName);
        byte[] hugeHeader = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(hugeHeader, ulong.MaxValue);
        var cases = new List<FuzzCase>
        {
            Case("valid", "valid", Valid(), FuzzExpectation.Correct("a[2,2] b[1]")),
            Case("zero-dim-huge-shape", "header products", Make("""{"a":{"dtype":"F32","shape":[0,4611686018427387904,4611686018427387904],"data_offsets":[0,0]}}""", []), bad),
            Case("shape-overflow", "header products", Make("""{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}}""", []), bad),
            Case("huge-header-length", "header products", [.. hugeHeader, .. "{}"u8.ToArray()], bad),
            Case("duplicate-inner-key", "duplicate JSON keys", Make("""{"a":{"dtype":"F32","dtype":"I64","shape":[1],"data_offsets":[0,4]}}""", new byte[4]), bad),
            Case("duplicate-tensor", "duplicate JSON keys", Make("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", new byte[8]), bad),
            Case("deep-json", "JSON depth", Make(new string('[', 100_000) + new string(']', 100_000), []), bad),
            Case("truncated", "truncated", Valid()[..^5], bad),
            Case("offsets-past-end", "header products", Make("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", []), bad),
        };
        foreach (var (kind, make) in SpecialFiles.Kinds)
        {
            cases.Add(new($"special-{kind}", "special file", dir => make(Path.Combine(dir, FileName)), Read, bad));
        }

        for (int seed = 0; seed < 8; seed++)
        {
            cases.Add(Case($"mutation-{seed}", "mutation", Mutations.Of(Valid(), seed), FuzzExpectation.InvalidOrAny(FileName)));
        }

        return cases;
    }
}
