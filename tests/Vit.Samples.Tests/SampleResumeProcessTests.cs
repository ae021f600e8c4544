using System.Text.Json.Nodes;
using FluentAssertions;
using Vit.Core;
using Vit.Training;
using Xunit;
using static TorchSharp.torch;

namespace Vit.Samples.Tests;

/// <summary>
/// <c>--resume</c> from damaged or edited checkpoints and run.json files (issue 21, item 3): exit code 2, one
/// <c>error:</c> line, and the run folder exactly as it was; a finished run refuses to resume.
/// </summary>
[Collection(TorchTestGroup.Name)]
public sealed class SampleResumeProcessTests(SampleResumeProcessTests.FinishedRun run) : IClassFixture<SampleResumeProcessTests.FinishedRun>, IDisposable
{
    private const string Checkpoint = "checkpoints/checkpoint-00000002.safetensors";
    private readonly TempDirectory _directory = new();

    [Theory]
    [InlineData("Step -5", "*Step is -5 but must be in [0, 2147483646]*")]
    [InlineData("Epoch 2147483647", "*Epoch is 2147483647 but must be in [0, the stored Epochs (2)]*")]
    [InlineData("BatchInEpoch 1000000", "*BatchInEpoch is 1000000 but must be in [0, Step (2)]*")]
    [InlineData("Step 3, BatchInEpoch 3", "error: --resume: '*' continues at batch 3 of epoch 1, but the run's epochs have 2 batches and it trains 2: it is not a checkpoint of this run's data.")]
    [InlineData("Schedule.BaseLearningRate NaN", "*the stored learning-rate schedule is invalid: *baseLearningRate*")]
    [InlineData("Options.LearningRate -1", "*the stored options are invalid: TrainerOptions.LearningRate is -1*")]
    [InlineData("Schedule.TotalSteps 0", "*the stored learning-rate schedule is invalid: totalSteps (0) must be greater than warmupSteps (2)*")]
    [InlineData("Options.Epochs -1", "*the stored options are invalid: TrainerOptions.Epochs is -1*")]
    [InlineData("AdamSteps 10^15", "*the AdamW step count of * is 1000000000000000 but must be in [0, Step (2)]*")]
    [InlineData("NaN weight", "*model/head.weight holds NaN or infinite values*")]
    [InlineData("bit flip", "*its data does not match its checksum*")]
    [InlineData("rng/cpu U8[3]", "*rng/cpu (a generator state, uint8 [5056]) is Byte [3]*")]
    [InlineData("run.json batchSize 0", "error: --resume: '*run.json' is not a valid run.json: batchSize must be at least 1; got 0.")]
    [InlineData("run.json width -1", "error: --resume: '*run.json' is not a valid run.json: width must be at least 1; got -1.")]
    public void Resume_DamagedCheckpointOrSettings_ExitsTwoAndChangesNothing(string damage, string expected)
    {
        string folder = run.CopyUnfinished(_directory.File("run"));
        string checkpoint = Path.Combine(folder, Checkpoint);
        Damage(folder, checkpoint, damage);
        var before = Snapshot(folder);

        var result = SampleProcess.Run(["--resume", checkpoint, "--threads", "1"]);

        result.ExitCode.Should().Be(2, result.Errors);
        result.ErrorLines.Should().ContainSingle().Which.Should().Match(expected.StartsWith("error:", StringComparison.Ordinal) ? expected : "error: --resume: *" + expected);
        Snapshot(folder).Should().Equal(before, "a refused resume writes nothing");
    }

    [Fact]
    public void Run_Beta2_IsSavedAndTrainedWith()
    {
        var runJson = JsonNode.Parse(File.ReadAllText(Path.Combine(run.Folder, "run.json")))!;

        runJson["beta2"]!.GetValue<double>().Should().Be(0.99);
        Trainer.ReadCheckpointOptions(Path.Combine(run.Folder, Checkpoint)).Beta2.Should().Be(0.99, "the trainer's AdamW got --beta2");
    }

    [Fact]
    public void Resume_FinishedRun_RefusesAndLeavesItsOutputs()
    {
        var before = Snapshot(run.Folder);

        var result = SampleProcess.Run(["--resume", Path.Combine(run.Folder, Checkpoint), "--threads", "1"]);

        result.ExitCode.Should().Be(2, result.Errors);
        result.ErrorLines.Should().ContainSingle().Which.Should().Be(
            $"error: --resume: the run in '{run.Folder}' has finished ('model.safetensors' exists); resuming would overwrite its outputs. Start a new run with --out, or move its outputs away first.");
        Snapshot(run.Folder).Should().Equal(before);
    }

    [Fact]
    public void Resume_UnfinishedRun_FinishesIt()
    {
        string folder = run.CopyUnfinished(_directory.File("run"));

        var result = SampleProcess.Run(["--resume", Path.Combine(folder, Checkpoint), "--threads", "1"]);

        result.ExitCode.Should().Be(0, result.Errors);
        File.Exists(Path.Combine(folder, "model.safetensors")).Should().BeTrue();
    }

    public void Dispose() => _directory.Dispose();

    /// <summary>Every file under <paramref name="folder"/> with its bytes' hash, in name order.</summary>
    private static List<string> Snapshot(string folder) =>
        [.. Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(f => $"{Path.GetRelativePath(folder, f)} {Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f)))}")];

    private static void Damage(string folder, string checkpoint, string damage)
    {
        switch (damage)
        {
            case "run.json batchSize 0":
                EditJson(Path.Combine(folder, "run.json"), root => root["batchSize"] = 0);
                return;
            case "run.json width -1":
                EditJson(Path.Combine(folder, "run.json"), root => root["width"] = -1);
                return;
            case "bit flip":
                byte[] bytes = File.ReadAllBytes(checkpoint);
                long dataStart = 8 + BitConverter.ToInt64(bytes, 0);
                bytes[dataStart + ((bytes.Length - dataStart) / 2)] ^= 0x04;
                File.WriteAllBytes(checkpoint, bytes);
                return;
            case "NaN weight":
                EditCheckpoint(checkpoint, tensors: all =>
                {
                    using var noGrad = no_grad();
                    all["model/head.weight"].view(-1)[0] = float.NaN;
                });
                return;
            case "rng/cpu U8[3]":
                EditCheckpoint(checkpoint, tensors: all =>
                {
                    all["rng/cpu"].Dispose();
                    all["rng/cpu"] = tensor(new byte[] { 1, 2, 3 });
                });
                return;
            default:
                EditCheckpoint(checkpoint, state: root =>
                {
                    // "Field value" pairs, comma-separated; "X.Y" is a nested field; AdamSteps sets every count.
                    foreach (string pair in damage.Split(", "))
                    {
                        var (field, value) = (pair.Split(' ')[0], pair.Split(' ')[1]);
                        JsonNode node = value switch
                        {
                            "NaN" => JsonValue.Create("NaN"),
                            "10^15" => JsonValue.Create(1_000_000_000_000_000L),
                            _ => JsonValue.Create(long.Parse(value, System.Globalization.CultureInfo.InvariantCulture)),
                        };
                        var parts = field.Split('.');
                        var parent = parts.Length == 2 ? root[parts[0]]!.AsObject() : root;
                        var keys = field == "AdamSteps" ? root["AdamSteps"]!.AsObject().Select(p => p.Key).ToList() : [parts[^1]];
                        parent = field == "AdamSteps" ? root["AdamSteps"]!.AsObject() : parent;
                        foreach (string key in keys)
                        {
                            parent[key] = node.DeepClone();
                        }
                    }
                });
                return;
        }
    }

    private static void EditJson(string path, Action<JsonObject> edit)
    {
        var root = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(root);
        File.WriteAllText(path, root.ToJsonString());
    }

    /// <summary>Rewrites a checkpoint with its state or tensors edited and without a checksum (as a checkpoint from before checksums).</summary>
    private static void EditCheckpoint(string path, Action<JsonObject>? state = null, Action<Dictionary<string, Tensor>>? tensors = null)
    {
        var metadata = SafeTensors.ReadMetadata(path).ToDictionary();
        var all = SafeTensors.Load(path);
        try
        {
            var root = JsonNode.Parse(metadata["vit.training"])!.AsObject();
            state?.Invoke(root);
            tensors?.Invoke(all);
            metadata["vit.training"] = root.ToJsonString();
            metadata.Remove("vit.checksum");
            SafeTensors.Save(path, all, metadata);
        }
        finally
        {
            foreach (var tensor in all.Values)
            {
                tensor.Dispose();
            }
        }
    }

    /// <summary>One finished run of the sample (2 epochs of 2 updates), shared by the tests; each test works on a copy.</summary>
    public sealed class FinishedRun : IDisposable
    {
        private readonly TempDirectory _directory = new();

        public FinishedRun()
        {
            Folder = _directory.File("finished");
            var result = SampleProcess.Run(["--out", Folder, "--epochs", "2", "--limit", "64", "--batch-size", "32", "--beta2", "0.99", "--threads", "1"]);
            if (result.ExitCode != 0 || !File.Exists(Path.Combine(Folder, Checkpoint)))
            {
                throw new InvalidOperationException($"The sample's tiny run failed (exit {result.ExitCode}): {result.Errors}");
            }
        }

        /// <summary>Gets the finished run's folder.</summary>
        public string Folder { get; }

        /// <summary>Copies the run to <paramref name="destination"/> without its outputs (as if it stopped after epoch 1); returns the copy.</summary>
        public string CopyUnfinished(string destination)
        {
            string[] outputs = ["model.safetensors", "config.json", "model.onnx", "training-curves.png", "confusion-matrix.png"];
            foreach (string file in Directory.EnumerateFiles(Folder, "*", SearchOption.AllDirectories))
            {
                string relative = Path.GetRelativePath(Folder, file);
                if (!outputs.Contains(relative) && !relative.EndsWith("checkpoint-00000004.safetensors", StringComparison.Ordinal))
                {
                    string target = Path.Combine(destination, relative);
                    Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                    File.Copy(file, target);
                }
            }

            return destination;
        }

        public void Dispose() => _directory.Dispose();
    }
}
