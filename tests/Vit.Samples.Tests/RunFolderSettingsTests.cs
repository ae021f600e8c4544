using System.Text.Json.Nodes;
using FluentAssertions;
using Vit.Samples.FashionMnist;
using Xunit;

namespace Vit.Samples.Tests;

/// <summary>run.json files read for --resume (through <see cref="RunFolder.ReadSettings"/>): each field out of range fails naming it.</summary>
public sealed class RunFolderSettingsTests
{
    /// <summary>A run's settings that pass every check (the default preset's with a few changed).</summary>
    private static readonly RunSettings ValidSettings = new() { Epochs = 2, BatchSize = 64, Accumulation = 2, HideProbability = 0.15, LabelSmoothing = 0.1, EmaDecay = 0.99, EvaluateEveryEpochs = 2, Limit = 512 };

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
        var root = WrittenJson(directory);
        root[field] = JsonNode.Parse(json);
        File.WriteAllText(directory.File("run.json"), root.ToJsonString());

        FluentActions.Invoking(() => new RunFolder(directory.Path).ReadSettings()).ShouldFailWithUsage($"--resume: '{directory.File("run.json")}' is not a valid run.json: {problem}.");
    }

    [Fact]
    public void ReadSettings_SettingsANewRunWrites_Passes()
    {
        using var directory = new TempDirectory();
        var folder = new RunFolder(directory.Path);
        folder.WriteSettings(ValidSettings);

        folder.ReadSettings().Should().Be(ValidSettings).And.NotBe(SamplePresets.Default.Defaults);
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
        var root = WrittenJson(directory);
        root.Remove(field);
        File.WriteAllText(directory.File("run.json"), root.ToJsonString());

        FluentActions.Invoking(() => new RunFolder(directory.Path).ReadSettings()).ShouldFailWithUsage($"--resume: '{directory.File("run.json")}' is not a valid run.json: *missing required properties*'{field}'*");
    }

    [Fact]
    public void ReadSettings_LargerThanAMegabyte_ThrowsBeforeReadingIt()
    {
        using var directory = new TempDirectory();
        File.WriteAllText(directory.File("run.json"), WrittenJson(directory).ToJsonString() + new string(' ', 1 << 20));

        FluentActions.Invoking(() => new RunFolder(directory.Path).ReadSettings()).ShouldFailWithUsage($"--resume: '{directory.File("run.json")}' is 1,049,* bytes, more than the 1,048,576 a run.json may have.");
    }

    [Fact]
    public void ReadSettings_JsonNull_ThrowsSayingItIsEmpty()
    {
        using var directory = new TempDirectory();
        File.WriteAllText(directory.File("run.json"), "null");

        FluentActions.Invoking(() => new RunFolder(directory.Path).ReadSettings()).ShouldFailWithUsage($"--resume: '{directory.File("run.json")}' is empty (null).");
    }

    [Fact]
    public void WriteSettings_Default_WritesEachFieldCamelCased()
    {
        using var directory = new TempDirectory();

        var root = WrittenJson(directory);

        ((int)root["epochs"]!, (int)root["batchSize"]!, (double)root["learningRate"]!, (string)root["preset"]!, (int)root["limit"]!).Should().Be((2, 64, 3e-3, "fashion_small", 512));
        root["randAugment"].Should().BeNull();
        root.ContainsKey("randAugment").Should().BeTrue("a null setting is written too: every field must be there");
        root.ContainsKey("mixes").Should().BeFalse("what is computed from the settings is not saved");
    }

    /// <summary>run.json as <see cref="RunFolder.WriteSettings"/> writes <see cref="ValidSettings"/>.</summary>
    private static JsonObject WrittenJson(TempDirectory directory)
    {
        new RunFolder(directory.Path).WriteSettings(ValidSettings);
        return JsonNode.Parse(File.ReadAllText(directory.File("run.json")))!.AsObject();
    }
}
