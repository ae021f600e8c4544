using System.Text.Json.Nodes;
using FluentAssertions;
using Vit.Samples.FashionMnist;
using Xunit;

namespace Vit.Samples.Tests;

/// <summary>run.json files read for --resume (through <see cref="RunFolder.ReadSettings"/>): each field out of range fails naming it.</summary>
public sealed class RunFolderSettingsTests
{
    private const string Valid = """
        {
          "preset": "fashion_small", "epochs": 2, "batchSize": 64, "accumulation": 2, "learningRate": 0.003, "hideProbability": 0.15,
          "randAugment": null, "eraseProbability": 0, "mixupAlpha": 0, "cutmixAlpha": 0, "weightDecay": 0.05, "warmupEpochs": 1,
          "labelSmoothing": 0.1, "gradientClipNorm": 1, "dropPathRate": 0, "emaDecay": 0.99, "evaluateEveryEpochs": 2, "validationFraction": null, "width": 128,
          "depth": 6, "heads": 4, "mlpRatio": 2, "patchSize": 7, "translatePixels": 0, "seed": 0, "precision": "float32",
          "dataDirectory": null, "limit": 512
        }
        """;

    [Theory]
    [InlineData("batchSize", "0", "batchSize must be at least 1; got 0")]
    [InlineData("epochs", "-1", "epochs must be at least 1; got -1")]
    [InlineData("accumulation", "3", "batchSize 64 is not divisible by accumulation 3")]
    [InlineData("width", "-1", "width must be at least 1; got -1")]
    [InlineData("depth", "0", "depth must be at least 1; got 0")]
    [InlineData("learningRate", "-1", "learningRate must be a finite number greater than 0; got -1")]
    [InlineData("hideProbability", "2", "hideProbability must be in [0, 1]; got 2")]
    [InlineData("mlpRatio", "0", "mlpRatio must be a finite number greater than 0; got 0")]
    [InlineData("emaDecay", "1", "emaDecay must be in [0, 1); got 1")]
    [InlineData("evaluateEveryEpochs", "-1", "evaluateEveryEpochs must be at least 0; got -1")]
    [InlineData("validationFraction", "0", "validationFraction must be in (0, 1); got 0")]
    [InlineData("translatePixels", "-2", "translatePixels must be at least 0; got -2")]
    [InlineData("precision", "\"fp8\"", "precision must be float32, bfloat16 or float16; got 'fp8'")]
    [InlineData("dataDirectory", "\" \"", "dataDirectory must be a folder; got ' '")]
    [InlineData("limit", "0", "limit must be at least 1; got 0")]
    [InlineData("preset", "\"resnet50\"", "Unknown preset 'resnet50'; expected one of fashion_small, *")]
    [InlineData("randAugment", "\"rand-p3\"", "randAugment: RandAugmentOptions.Probability is 3 but must be in [0, 1]*")]
    public void ReadSettings_FieldOutOfRange_NamesTheFileAndField(string field, string json, string problem)
    {
        using var directory = new TempDirectory();
        var root = JsonNode.Parse(Valid)!.AsObject();
        root[field] = JsonNode.Parse(json);
        File.WriteAllText(directory.File("run.json"), root.ToJsonString());

        FluentActions.Invoking(() => new RunFolder(directory.Path).ReadSettings()).ShouldFailWithUsage($"--resume: '{directory.File("run.json")}' is not a valid run.json: {problem}.");
    }

    [Fact]
    public void ReadSettings_SettingsANewRunWrites_Passes()
    {
        using var directory = new TempDirectory();
        File.WriteAllText(directory.File("run.json"), Valid);

        new RunFolder(directory.Path).ReadSettings().BatchSize.Should().Be(64);
    }

    [Fact]
    public void ReadSettings_SettingsANewRunWrites_RoundTrip()
    {
        using var directory = new TempDirectory();
        var folder = new RunFolder(directory.Path);
        var settings = SamplePresets.Find("cifar100_patch4_32")!.Defaults with { RandAugment = "rand-m9-n2", ValidationFraction = 0.1, DataDirectory = "/data", Limit = 512, Seed = 3, Precision = "bfloat16" };

        folder.WriteSettings(settings);

        folder.ReadSettings().Should().Be(settings);
    }

    [Theory]
    [InlineData("seed")]
    [InlineData("width")]
    [InlineData("limit")]
    public void ReadSettings_AFieldMissing_NamesIt(string field)
    {
        using var directory = new TempDirectory();
        var root = JsonNode.Parse(Valid)!.AsObject();
        root.Remove(field);
        File.WriteAllText(directory.File("run.json"), root.ToJsonString());

        FluentActions.Invoking(() => new RunFolder(directory.Path).ReadSettings()).ShouldFailWithUsage($"--resume: '{directory.File("run.json")}' is not a valid run.json: *missing required properties*'{field}'*");
    }

    [Fact]
    public void ReadSettings_LargerThanAMegabyte_ThrowsBeforeReadingIt()
    {
        using var directory = new TempDirectory();
        File.WriteAllText(directory.File("run.json"), Valid + new string(' ', 1 << 20));

        FluentActions.Invoking(() => new RunFolder(directory.Path).ReadSettings()).ShouldFailWithUsage($"--resume: '{directory.File("run.json")}' is 1,049,* bytes, more than the 1,048,576 a run.json may have.");
    }

    [Fact]
    public void ReadSettings_JsonNull_ThrowsSayingItIsEmpty()
    {
        using var directory = new TempDirectory();
        File.WriteAllText(directory.File("run.json"), "null");

        FluentActions.Invoking(() => new RunFolder(directory.Path).ReadSettings()).ShouldFailWithUsage($"--resume: '{directory.File("run.json")}' is empty (null).");
    }
}
