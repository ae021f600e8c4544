using System.Text.Json.Nodes;
using FluentAssertions;
using Microsoft.Extensions.Logging;
using Vit.Core;
using Xunit;
using static TorchSharp.torch;

namespace Vit.Training.Tests;

/// <summary>Checkpoints whose values training never writes: each is refused before anything is restored.</summary>
public sealed partial class TrainerTests
{
    [Theory]
    [InlineData("Step", "-5", "*Step is -5 but must be in [0, 2147483646]*")]
    [InlineData("Epoch", "-3", "*Epoch is -3 but must be in [0, the stored Epochs (10)]*")]
    [InlineData("Epoch", "2147483647", "*Epoch is 2147483647 but must be in [0, the stored Epochs (10)]*")]
    [InlineData("BatchInEpoch", "1000000", "*BatchInEpoch is 1000000 but must be in [0, Step (2)]*")]
    [InlineData("SkippedSteps", "3", "*SkippedSteps is 3 but must be in [0, Step (2)]*")]
    [InlineData("LastLearningRate", "-1", "*LastLearningRate is -1 but must be a finite number of at least 0*")]
    [InlineData("LastLearningRate", "\"Infinity\"", "*LastLearningRate is Infinity but must be a finite number of at least 0*")]
    [InlineData("LastGradientNorm", "-2", "*LastGradientNorm is -2 but must be at least 0*")]
    [InlineData("BestMetricValue", "\"NaN\"", "*BestMetricValue is NaN but must be finite*")]
    [InlineData("Schedule.BaseLearningRate", "\"NaN\"", "*the stored learning-rate schedule is invalid: *baseLearningRate*")]
    [InlineData("Schedule.BaseLearningRate", "-1", "*the stored learning-rate schedule is invalid: *baseLearningRate*")]
    [InlineData("Schedule.TotalSteps", "0", "*the stored learning-rate schedule is invalid: totalSteps (0) must be greater than warmupSteps (2) for a Cosine decay*")]
    [InlineData("Options.Epochs", "-1", "*the stored options are invalid: TrainerOptions.Epochs is -1*")]
    [InlineData("Options.LearningRate", "\"NaN\"", "*the stored options are invalid: TrainerOptions.LearningRate is NaN*")]
    [InlineData("AdamSteps.*", "1000000000000000", "*the AdamW step count of * is 1000000000000000 but must be in [0, Step (2)]*")]
    public void LoadCheckpoint_StateValueOutOfRange_ThrowsNamingItAndChangesNothing(string field, string json, string expected)
    {
        using var directory = new TempDirectory();
        string path = SaveTwoStepCheckpoint(directory);
        RewriteCheckpoint(path, state: root => Set(root, field, json));
        using var model = TestModels.Build(TestModels.Tiny());
        using var trainer = new Trainer(model, StepOptions());
        Train(trainer, 0);
        using var before = TestModels.Build(TestModels.Tiny(), seed: 99);
        CopyState(model, before);

        FluentActions.Invoking(() => trainer.LoadCheckpoint(path)).Should().Throw<InvalidDataException>()
            .WithMessage($"Checkpoint '{path}' does not fit this model and trainer*{expected}*Nothing was changed.");

        TestModels.BitIdentical(model, before).Should().BeTrue();
        trainer.Step.Should().Be(1);
        trainer.Schedule!.BaseLearningRate.Should().Be(1e-3);
        Train(trainer, 1);
        trainer.Step.Should().Be(2, "the trainer still works");
    }

    [Fact]
    public void ReadCheckpointOptions_StoredOptionsInvalid_ThrowsNamingTheField()
    {
        using var directory = new TempDirectory();
        string path = SaveTwoStepCheckpoint(directory);
        RewriteCheckpoint(path, state: root => Set(root, "Options.Epochs", "-1"));

        FluentActions.Invoking(() => Trainer.ReadCheckpointOptions(path)).Should().Throw<InvalidDataException>()
            .WithMessage($"Checkpoint '{path}' holds values that training never writes: the stored options are invalid: TrainerOptions.Epochs is -1*");
    }

    [Fact]
    public void ReadCheckpointOptions_OptionsNull_ThrowsInvalidData()
    {
        using var directory = new TempDirectory();
        string path = SaveTwoStepCheckpoint(directory);
        RewriteCheckpoint(path, state: root => root["Options"] = null);

        FluentActions.Invoking(() => Trainer.ReadCheckpointOptions(path)).Should().Throw<InvalidDataException>()
            .WithMessage($"Checkpoint '{path}' has no options in its 'vit.training' metadata (Options is null).");
    }

    [Theory]
    [InlineData("model/head.weight", "NaN", "model/head.weight holds NaN or infinite values")]
    [InlineData("model/blocks.0.attn.qkv.weight", "Infinity", "model/blocks.0.attn.qkv.weight holds NaN or infinite values")]
    [InlineData("adamw/exp_avg/pos_embed", "NaN", "adamw/exp_avg/pos_embed holds NaN or infinite values")]
    [InlineData("adamw/exp_avg_sq/head.bias", "-1", "adamw/exp_avg_sq/head.bias holds negative values (it is a mean of squares)")]
    public void LoadCheckpoint_ValueTrainingNeverWrites_ThrowsNamingTheTensor(string key, string value, string expected)
    {
        using var directory = new TempDirectory();
        string path = SaveTwoStepCheckpoint(directory);
        RewriteCheckpoint(path, tensors: all =>
        {
            using var noGrad = no_grad();
            all[key].view(-1)[0] = double.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
        });
        using var model = TestModels.Build(TestModels.Tiny());
        using var trainer = new Trainer(model, StepOptions());
        using var before = TestModels.Build(TestModels.Tiny(), seed: 99);
        CopyState(model, before);

        FluentActions.Invoking(() => trainer.LoadCheckpoint(path)).Should().Throw<InvalidDataException>().WithMessage($"*: {expected}. Nothing was changed.");

        TestModels.BitIdentical(model, before).Should().BeTrue();
        trainer.Step.Should().Be(0);
    }

    [Fact]
    public void LoadCheckpoint_GeneratorStateOfThreeBytes_ThrowsBeforeLibtorchSeesIt()
    {
        using var directory = new TempDirectory();
        string path = SaveTwoStepCheckpoint(directory);
        RewriteCheckpoint(path, tensors: all =>
        {
            all["rng/cpu"].Dispose();
            all["rng/cpu"] = tensor(new byte[] { 1, 2, 3 });
        });
        using var model = TestModels.Build(TestModels.Tiny());
        using var trainer = new Trainer(model, StepOptions());

        FluentActions.Invoking(() => trainer.LoadCheckpoint(path)).Should().Throw<InvalidDataException>()
            .WithMessage("*: rng/cpu (a generator state, uint8 [5056]) is Byte [3]. Nothing was changed.");

        Train(trainer, 0);
        trainer.Step.Should().Be(1, "no broken generator state is waiting for the next update");
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(625, 0)]
    [InlineData(624, 2)]
    [InlineData(1, 1_000_000)]
    public void LoadCheckpoint_GeneratorPositionOutsideItsWords_Throws(int left, long next)
    {
        using var directory = new TempDirectory();
        string path = SaveTwoStepCheckpoint(directory);
        RewriteCheckpoint(path, tensors: all =>
        {
            var bytes = all["rng/cpu"].bytes;
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(bytes[8..], left);
            System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(bytes[16..], next);
        });
        using var model = TestModels.Build(TestModels.Tiny());
        using var trainer = new Trainer(model, StepOptions());

        FluentActions.Invoking(() => trainer.LoadCheckpoint(path)).Should().Throw<InvalidDataException>()
            .WithMessage("*: rng/cpu (a generator state) holds a Mersenne Twister position outside its 624 words. Nothing was changed.");
    }

    [Fact]
    public void LoadCheckpoint_GeneratorAfterSeedingAndAfterDraws_IsAccepted()
    {
        using var directory = new TempDirectory();
        using var model = TestModels.Build(TestModels.Tiny());
        using var trainer = new Trainer(model, StepOptions());
        foreach (int draws in new[] { 0, 1, 623, 624, 1000 })
        {
            manual_seed(3);
            using (rand(draws))
            {
            }

            string path = directory.File($"draws-{draws}.safetensors");
            trainer.SaveCheckpoint(path);

            FluentActions.Invoking(() => trainer.LoadCheckpoint(path)).Should().NotThrow($"{draws} draws leave a position libtorch wrote itself");
        }
    }

    [Theory]
    [InlineData(0.25)]
    [InlineData(0.5)]
    [InlineData(0.75)]
    [InlineData(1.0)]
    public void LoadCheckpoint_OneBitFlippedInTensorData_FailsItsChecksum(double position)
    {
        using var directory = new TempDirectory();
        string path = SaveTwoStepCheckpoint(directory);
        byte[] bytes = File.ReadAllBytes(path);
        long dataStart = 8 + BitConverter.ToInt64(bytes, 0);
        long at = dataStart + (long)((bytes.Length - dataStart - 1) * position);
        bytes[at] ^= 0x10;
        File.WriteAllBytes(path, bytes);
        using var model = TestModels.Build(TestModels.Tiny());
        using var trainer = new Trainer(model, StepOptions());

        FluentActions.Invoking(() => trainer.LoadCheckpoint(path)).Should().Throw<InvalidDataException>()
            .WithMessage("*: its data does not match its checksum (vit.checksum is 'sha256:*', the data hashes to 'sha256:*'): the file was damaged or edited after it was written*Nothing was changed.");
        trainer.Step.Should().Be(0);
    }

    [Fact]
    public void SaveCheckpoint_Metadata_HoldsTheSha256OfItsData()
    {
        using var directory = new TempDirectory();
        string path = SaveTwoStepCheckpoint(directory);

        SafeTensors.ReadMetadata(path)["vit.checksum"].Should().MatchRegex("^sha256:[0-9a-f]{64}$");
    }

    [Fact]
    public void LoadCheckpoint_WithoutChecksum_LoadsAndWarnsThatDamageCannotBeDetected()
    {
        using var directory = new TempDirectory();
        string path = SaveTwoStepCheckpoint(directory);
        RewriteCheckpoint(path, checksum: false);
        var logger = new ListLogger<Trainer>();
        using var model = TestModels.Build(TestModels.Tiny());
        using var trainer = new Trainer(model, StepOptions(), logger);

        trainer.LoadCheckpoint(path);

        trainer.Step.Should().Be(2);
        logger.Events.Should().ContainSingle(e => e.Id.Id == 29).Which.Should().Be((LogLevel.Warning, new EventId(29, "CheckpointWithoutChecksum"),
            $"Checkpoint {path} has no checksum (written before checkpoints carried one): its shapes and values were checked, but damage to its data cannot be detected"));
    }

    /// <summary>A checkpoint of the tiny model after two updates (step 2, epoch 0, a schedule); returns its path.</summary>
    private static string SaveTwoStepCheckpoint(TempDirectory directory)
    {
        string path = directory.File("checkpoint.safetensors");
        using var model = TestModels.Build(TestModels.Tiny(), seed: 2);
        using var trainer = new Trainer(model, StepOptions());
        Train(trainer, 0);
        Train(trainer, 1);
        trainer.SaveCheckpoint(path);
        return path;
    }

    /// <summary>Rewrites a checkpoint with its JSON state and tensors edited, and a checksum of the result (or none).</summary>
    private static void RewriteCheckpoint(string path, Action<JsonObject>? state = null, Action<Dictionary<string, Tensor>>? tensors = null, bool checksum = true)
    {
        var metadata = SafeTensors.ReadMetadata(path).ToDictionary();
        var all = SafeTensors.Load(path);
        try
        {
            var root = JsonNode.Parse(metadata[CheckpointState.MetadataKey])!.AsObject();
            state?.Invoke(root);
            tensors?.Invoke(all);
            metadata[CheckpointState.MetadataKey] = root.ToJsonString();
            metadata.Remove(CheckpointChecksum.MetadataKey);
            if (checksum)
            {
                metadata[CheckpointChecksum.MetadataKey] = CheckpointChecksum.Compute(all, metadata[CheckpointState.MetadataKey]);
            }

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

    /// <summary>Sets <paramref name="field"/> (dotted; <c>X.*</c> sets every member of X) to the JSON value <paramref name="json"/>.</summary>
    private static void Set(JsonObject root, string field, string json)
    {
        var names = field.Split('.');
        var parent = root;
        foreach (string name in names[..^1])
        {
            parent = parent[name]!.AsObject();
        }

        var keys = names[^1] == "*" ? parent.Select(p => p.Key).ToList() : [names[^1]];
        foreach (string key in keys)
        {
            parent[key] = JsonNode.Parse(json);
        }
    }
}
