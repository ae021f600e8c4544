using System.Buffers.Binary;
using System.Text.Json.Nodes;

namespace Vit.Fuzz;

/// <summary>
/// The sample's <c>--resume</c> (issue 21, item 3) on a copy of a real run whose checkpoint or run.json was damaged:
/// exit code 2, one <c>error:</c> line and the run folder untouched; a finished run refuses to resume.
/// </summary>
public sealed class SampleResumeReader : IFuzzReader
{
    private const string Checkpoint = "run/checkpoints/checkpoint-00000002.safetensors";
    private static readonly FuzzExpectation Refused = FuzzExpectation.Correct(SampleCommand.Refused);

    /// <inheritdoc/>
    public string Name => "sample-resume";

    /// <inheritdoc/>
    public Action<string>? RunFile => null;

    /// <inheritdoc/>
    public IReadOnlyList<FuzzCase> Cases { get; } = Build();

    private static FuzzCase Case(string name, string caseClass, Action<string> damage, bool finished = false) =>
        new(name, caseClass, dir =>
        {
            SampleCommand.CopyRun(Path.Combine(dir, "run"), finished);
            damage(dir);
            SampleCommand.WriteArguments(dir, "--resume", "{dir}/" + Checkpoint, "--threads", "1");
        }, SampleCommand.Run, Refused);

    /// <summary>Edits the checkpoint's state and drops its checksum (as a checkpoint from before checksums), so the range checks must catch it.</summary>
    private static Action<string> State(string field, JsonNode? value) => dir => Edit(dir, file =>
    {
        file.EditJson("vit.training", root =>
        {
            var parts = field.Split('.');
            var parent = parts.Length == 2 ? root[parts[0]]!.AsObject() : root;
            foreach (string key in parts[^1] == "*" ? parent.Select(p => p.Key).ToList() : [parts[^1]])
            {
                parent[key] = value?.DeepClone();
            }
        });
    });

    private static void Edit(string dir, Action<SafeTensorsFile> edit)
    {
        string path = Path.Combine(dir, Checkpoint);
        var file = SafeTensorsFile.Parse(File.ReadAllBytes(path));
        edit(file);
        file.Metadata.Remove("vit.checksum");
        File.WriteAllBytes(path, file.ToBytes());
    }

    private static Action<string> RunJson(Action<JsonObject> edit) => dir =>
    {
        string path = Path.Combine(dir, "run", "run.json");
        var root = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(root);
        File.WriteAllText(path, root.ToJsonString());
    };

    private static List<FuzzCase> Build() =>
    [
        Case("finished-run", "finished run", _ => { }, finished: true),
        Case("step-negative", "checkpoint state", State("Step", -5)),
        Case("epoch-negative", "checkpoint state", State("Epoch", -3)),
        Case("epoch-max", "checkpoint state", State("Epoch", int.MaxValue)),
        Case("batch-in-epoch-huge", "checkpoint state", State("BatchInEpoch", 1_000_000)),
        Case("batch-beyond-the-epoch", "checkpoint state", dir => { State("Step", 3)(dir); State("BatchInEpoch", 3)(dir); }),
        Case("schedule-lr-nan", "checkpoint state", State("Schedule.BaseLearningRate", "NaN")),
        Case("options-lr-negative", "checkpoint state", State("Options.LearningRate", -1)),
        Case("schedule-total-steps-zero", "checkpoint state", State("Schedule.TotalSteps", 0)),
        Case("options-epochs-negative", "checkpoint state", State("Options.Epochs", -1)),
        Case("adam-steps-huge", "checkpoint state", State("AdamSteps.*", 1_000_000_000_000_000L)),
        Case("weight-nan", "checkpoint tensors", dir => Edit(dir, f => BinaryPrimitives.WriteSingleLittleEndian(f.Bytes("model/head.weight"), float.NaN))),
        Case("rng-u8-3", "checkpoint tensors", dir => Edit(dir, f => f.Replace("rng/cpu", "U8", [3], [1, 2, 3]))),
        Case("bit-flip", "checkpoint checksum", dir =>
        {
            string path = Path.Combine(dir, Checkpoint);
            byte[] bytes = File.ReadAllBytes(path);
            long dataStart = 8 + BitConverter.ToInt64(bytes, 0);
            bytes[dataStart + ((bytes.Length - dataStart) / 3)] ^= 0x01;
            File.WriteAllBytes(path, bytes);
        }),
        Case("checkpoint-truncated", "checkpoint file", dir =>
        {
            string path = Path.Combine(dir, Checkpoint);
            File.WriteAllBytes(path, File.ReadAllBytes(path)[..^100]);
        }),
        Case("checkpoint-fifo", "special file", dir =>
        {
            string path = Path.Combine(dir, Checkpoint);
            File.Delete(path);
            SpecialFiles.Fifo(path);
        }),
        Case("run-json-batch-size-0", "run.json", RunJson(r => r["batchSize"] = 0)),
        Case("run-json-width-negative", "run.json", RunJson(r => r["width"] = -1)),
        Case("run-json-mlp-ratio-huge", "run.json", RunJson(r => r["mlpRatio"] = 1e300)),
        Case("run-json-preset-unknown", "run.json", RunJson(r => r["preset"] = "resnet50")),
        Case("run-json-not-json", "run.json", dir => File.WriteAllText(Path.Combine(dir, "run", "run.json"), "{\"preset\": ")),
        Case("run-json-fifo", "special file", dir =>
        {
            string path = Path.Combine(dir, "run", "run.json");
            File.Delete(path);
            SpecialFiles.Fifo(path);
        }),
    ];
}
