using System.Buffers.Binary;
using System.Text.Json.Nodes;

namespace Vit.Fuzz;

/// <summary>
/// <c>Trainer.LoadCheckpoint</c> (issue 21, items 2-4): state out of range, non-finite weights and moments, a generator
/// state libtorch cannot take, flipped bits (the checksum), truncation, special files and seeded mutations.
/// </summary>
public sealed class CheckpointReader : IFuzzReader
{
    private const string FileName = "checkpoint.safetensors";
    private const string State = "vit.training";
    private const string Checksum = "vit.checksum";

    /// <inheritdoc/>
    public string Name => "checkpoint";

    /// <inheritdoc/>
    public Action<string>? RunFile => file => TinyCheckpoint.Load(file);

    /// <inheritdoc/>
    public IReadOnlyList<FuzzCase> Cases { get; } = Build();

    private static string Read(string dir) => TinyCheckpoint.Load(Path.Combine(dir, FileName));

    private static FuzzCase Case(string name, string caseClass, Func<byte[]> bytes, FuzzExpectation expect) =>
        new(name, caseClass, dir => File.WriteAllBytes(Path.Combine(dir, FileName), bytes()), Read, expect);

    /// <summary>The valid checkpoint with its state edited; without a checksum, so the range checks (not the checksum) must catch it.</summary>
    private static Func<byte[]> StateEdit(Action<JsonObject> edit) => () =>
    {
        var file = SafeTensorsFile.Parse(TinyCheckpoint.Bytes()).EditJson(State, edit);
        file.Metadata.Remove(Checksum);
        return file.ToBytes();
    };

    private static Func<byte[]> TensorEdit(Action<SafeTensorsFile> edit) => () =>
    {
        var file = SafeTensorsFile.Parse(TinyCheckpoint.Bytes());
        edit(file);
        file.Metadata.Remove(Checksum);
        return file.ToBytes();
    };

    private static Action<JsonObject> Set(string path, JsonNode? value) => root =>
    {
        var parts = path.Split('.');
        var parent = parts.Length == 2 ? root[parts[0]]!.AsObject() : root;
        var keys = parts[^1] == "*" ? parent.Select(p => p.Key).ToList() : [parts[^1]];
        foreach (string key in keys)
        {
            parent[key] = value?.DeepClone();
        }
    };

    private static byte[] FlipBit(double position)
    {
        byte[] bytes = TinyCheckpoint.Bytes();
        long dataStart = 8 + BitConverter.ToInt64(bytes, 0);
        bytes[dataStart + (long)((bytes.Length - dataStart - 1) * position)] ^= 0x08;
        return bytes;
    }

    private static List<FuzzCase> Build()
    {
        var bad = FuzzExpectation.Invalid(FileName);
        var cases = new List<FuzzCase>
        {
            Case("valid", "valid", TinyCheckpoint.Bytes, FuzzExpectation.Correct("step 2, epoch 0, batch 0")),
            Case("valid-without-checksum", "valid", StateEdit(_ => { }), FuzzExpectation.Correct("step 2, epoch 0, batch 0")),
            Case("step-negative", "state out of range", StateEdit(Set("Step", -5)), bad),
            Case("step-max", "state out of range", StateEdit(Set("Step", int.MaxValue)), bad),
            Case("epoch-negative", "state out of range", StateEdit(Set("Epoch", -3)), bad),
            Case("epoch-max", "state out of range", StateEdit(Set("Epoch", int.MaxValue)), bad),
            Case("batch-in-epoch-huge", "state out of range", StateEdit(Set("BatchInEpoch", 1_000_000)), bad),
            Case("skipped-steps-above-step", "state out of range", StateEdit(Set("SkippedSteps", 3)), bad),
            Case("last-lr-negative", "state out of range", StateEdit(Set("LastLearningRate", -1)), bad),
            Case("best-metric-nan", "state out of range", StateEdit(Set("BestMetricValue", "NaN")), bad),
            Case("schedule-lr-nan", "state out of range", StateEdit(Set("Schedule.BaseLearningRate", "NaN")), bad),
            Case("schedule-lr-negative", "state out of range", StateEdit(Set("Schedule.BaseLearningRate", -1)), bad),
            Case("schedule-total-steps-zero", "state out of range", StateEdit(Set("Schedule.TotalSteps", 0)), bad),
            Case("options-epochs-negative", "state out of range", StateEdit(Set("Options.Epochs", -1)), bad),
            Case("options-lr-nan", "state out of range", StateEdit(Set("Options.LearningRate", "NaN")), bad),
            Case("options-null", "state out of range", StateEdit(Set("Options", null)), bad),
            Case("adam-steps-huge", "state out of range", StateEdit(Set("AdamSteps.*", 1_000_000_000_000_000L)), bad),
            Case("loss-scale-nan", "state out of range", StateEdit(Set("LossScale.Scale", "NaN")), bad),
            Case("state-not-json", "state out of range", () =>
            {
                var file = SafeTensorsFile.Parse(TinyCheckpoint.Bytes());
                file.Metadata[State] = "{\"Step\": ";
                return file.ToBytes();
            }, bad),
            Case("weight-nan", "non-finite weights", TensorEdit(f => BinaryPrimitives.WriteSingleLittleEndian(f.Bytes("model/head.weight"), float.NaN)), bad),
            Case("weight-infinite", "non-finite weights", TensorEdit(f => BinaryPrimitives.WriteSingleLittleEndian(f.Bytes("model/blocks.0.attn.qkv.weight"), float.PositiveInfinity)), bad),
            Case("ema-nan", "non-finite weights", TensorEdit(f => BinaryPrimitives.WriteSingleLittleEndian(f.Bytes("ema/head.weight"), float.NaN)), bad),
            Case("second-moment-negative", "non-finite weights", TensorEdit(f => BinaryPrimitives.WriteSingleLittleEndian(f.Bytes("adamw/exp_avg_sq/head.bias"), -1f)), bad),
            Case("rng-u8-3", "generator state", TensorEdit(f => f.Replace("rng/cpu", "U8", [3], [1, 2, 3])), bad),
            Case("rng-f32", "generator state", TensorEdit(f => f.Replace("rng/cpu", "F32", [1264], f.Bytes("rng/cpu"))), bad),
            Case("rng-position-zero", "generator state", TensorEdit(f => BinaryPrimitives.WriteInt32LittleEndian(f.Bytes("rng/cpu").AsSpan(8), 0)), bad),
            Case("rng-next-huge", "generator state", TensorEdit(f => BinaryPrimitives.WriteInt64LittleEndian(f.Bytes("rng/cpu").AsSpan(16), 1L << 40)), bad),
            Case("rng-missing", "generator state", TensorEdit(f => f.Tensors.RemoveAll(t => t.Name == "rng/cpu")), bad),
            Case("head-shape", "another architecture", TensorEdit(f => f.Replace("model/head.weight", "F32", [4, 16], new byte[4 * 16 * 4])), bad),
            Case("truncated", "truncated", () => TinyCheckpoint.Bytes()[..^7], bad),
        };
        foreach (double position in new[] { 0.0, 0.25, 0.5, 0.75, 1.0 })
        {
            cases.Add(Case($"bit-flip-{position:0.00}", "bit flip (checksum)", () => FlipBit(position), bad));
        }

        foreach (var (kind, make) in SpecialFiles.Kinds)
        {
            // A folder is not a file: LoadCheckpoint's documented FileNotFoundException.
            var expect = kind == "directory" ? FuzzExpectation.Error<FileNotFoundException>(FileName) : bad;
            cases.Add(new($"special-{kind}", "special file", dir => make(Path.Combine(dir, FileName)), Read, expect));
        }

        for (int seed = 0; seed < 8; seed++)
        {
            int s = seed;
            cases.Add(Case($"mutation-{seed}", "mutation", () => Mutations.Of(TinyCheckpoint.Bytes(), s), FuzzExpectation.InvalidOrAny(FileName)));
        }

        return cases;
    }
}
