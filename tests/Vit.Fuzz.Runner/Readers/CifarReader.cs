using Vit.Data;

namespace Vit.Fuzz;

/// <summary><see cref="CifarFiles.LoadCifar10"/> (issue 21, items 12 and 14 for CIFAR's record files).</summary>
public sealed class CifarReader : IFuzzReader
{
    private const string Batch = "test_batch.bin";
    private const string Names = "batches.meta.txt";
    private const int Record = 1 + 3072;

    /// <inheritdoc/>
    public string Name => "cifar";

    /// <inheritdoc/>
    public Action<string>? RunFile => file => CifarFiles.LoadFiles([file], 1, 0, CifarFiles.Cifar10ClassNames).Dispose();

    /// <inheritdoc/>
    public IReadOnlyList<FuzzCase> Cases { get; } = Build();

    private static byte[] Valid() => [.. Enumerable.Range(0, 3 * Record).Select(i => i % Record == 0 ? (byte)(i / Record * 3) : (byte)i)];

    private static string Read(string dir)
    {
        using var data = CifarFiles.LoadCifar10(dir, train: false);
        return $"{data.Count}x{data.Channels}x{data.Height}x{data.Width} labels={string.Join(",", Enumerable.Range(0, data.Count).Select(data.GetLabel))} classes={data.ClassNames.Count}";
    }

    private static FuzzCase Case(string name, string caseClass, Action<string> write, FuzzExpectation expect) => new(name, caseClass, write, Read, expect);

    private static List<FuzzCase> Build()
    {
        var bad = FuzzExpectation.Invalid(Batch);
        var cases = new List<FuzzCase>
        {
            Case("valid", "valid", dir => File.WriteAllBytes(Path.Combine(dir, Batch), Valid()), FuzzExpectation.Correct("3x3x32x32 labels=0,3,6 classes=10")),
            Case("valid-with-names", "valid", dir =>
            {
                File.WriteAllBytes(Path.Combine(dir, Batch), Valid());
                File.WriteAllLines(Path.Combine(dir, Names), Enumerable.Range(0, 7).Select(i => $"class{i}"));
            }, FuzzExpectation.Correct("3x3x32x32 labels=0,3,6 classes=7")),
            Case("truncated", "truncated", dir => File.WriteAllBytes(Path.Combine(dir, Batch), Valid()[..^100]), bad),
            Case("empty", "truncated", dir => File.WriteAllBytes(Path.Combine(dir, Batch), []), bad),
            Case("label-out-of-range", "values", dir =>
            {
                byte[] data = Valid();
                data[Record] = 200;
                File.WriteAllBytes(Path.Combine(dir, Batch), data);
            }, bad),
            Case("sparse-3gb", "size beyond one array", dir => SpecialFiles.Sparse(Path.Combine(dir, Batch), 1_000_000L * Record), bad),
            Case("names-bigger-than-limit", "size beyond limits", dir =>
            {
                File.WriteAllBytes(Path.Combine(dir, Batch), Valid());
                SpecialFiles.Sparse(Path.Combine(dir, Names), 2L << 30);
            }, FuzzExpectation.Invalid(Names)),
        };
        foreach (var (kind, make) in SpecialFiles.Kinds)
        {
            cases.Add(Case($"special-{kind}", "special file", dir => make(Path.Combine(dir, Batch)), bad));
            cases.Add(Case($"names-special-{kind}", "special file", dir =>
            {
                File.WriteAllBytes(Path.Combine(dir, Batch), Valid());
                make(Path.Combine(dir, Names));
            }, FuzzExpectation.Invalid(Names)));
        }

        for (int seed = 0; seed < 4; seed++)
        {
            cases.Add(Case($"mutation-{seed}", "mutation", dir => File.WriteAllBytes(Path.Combine(dir, Batch), Mutations.Of(Valid(), seed)), FuzzExpectation.InvalidOrAny(Batch)));
        }

        return cases;
    }
}
