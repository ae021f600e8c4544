using System.Text.Json.Nodes;
using FluentAssertions;
using Vit.Samples.FashionMnist;
using Xunit;

namespace Vit.Samples.Tests;

/// <summary>run.json files read for --resume (through <see cref="RunFolder.ReadSettings"/>): each field out of range fails naming it.</summary>
public sealed class RunSettingsChecksTests
{
    private const string Valid = """
        {
          "preset": "fashion_small", "epochs": 2, "batchSize": 64, "accumulation": 2, "learningRate": 0.003, "hideProbability": 0.15,
          "randAugment": null, "eraseProbability": 0, "mixupAlpha": 0, "cutmixAlpha": 0, "weightDecay": 0.05, "warmupEpochs": 1,
          "labelSmoothing": 0.1, "dropPathRate": 0, "emaDecay": 0.99, "evaluateEveryEpochs": 2, "validationFraction": 0, "width": 128,
          "depth": 6, "heads": 4, "mlpRatio": 2, "patchSize": 7, "translatePixels": 0, "seed": 0, "precision": "float32",
          "dataDirectory": null, "limit": 512
        }
        """;

    [Theory]
    [InlineData("batchSize", "0", "batchSize is 0 but must be at least 1")]
    [InlineData("epochs", "-1", "epochs is -1 but must be at least 1")]
    [InlineData("accumulation", "3", "batchSize 64 is not divisible by accumulation 3")]
    [InlineData("width", "-1", "width is -1 but must be at least 1")]
    [InlineData("depth", "0", "depth is 0 but must be at least 1")]
    [InlineData("learningRate", "-1", "learningRate is -1 but must be a positive number")]
    [InlineData("hideProbability", "2", "hideProbability is 2 but must be in [0, 1]")]
    [InlineData("mlpRatio", "0", "mlpRatio is 0 but must be a positive number")]
    [InlineData("emaDecay", "1", "emaDecay is 1 but must be in [0, 1)")]
    [InlineData("validationFraction", "-0.5", "validationFraction is -0.5 but must be in [0, 1) (0 for none)")]
    [InlineData("translatePixels", "-2", "translatePixels is -2 but must be at least 0")]
    [InlineData("precision", "\"fp8\"", "precision is 'fp8' but must be float32, bfloat16 or float16")]
    [InlineData("dataDirectory", "\" \"", "dataDirectory is ' ' but must be a folder or absent")]
    [InlineData("limit", "0", "limit is 0 but must be at least 1")]
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
    public void ReadSettings_OlderRunWithoutTheNewerFields_Passes()
    {
        using var directory = new TempDirectory();
        File.WriteAllText(directory.File("run.json"), """{ "preset": "fashion_small", "epochs": 2, "batchSize": 64, "accumulation": 1, "learningRate": 0.003, "hideProbability": 0.5, "seed": 0 }""");

        new RunFolder(directory.Path).ReadSettings().Width.Should().BeNull();
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
