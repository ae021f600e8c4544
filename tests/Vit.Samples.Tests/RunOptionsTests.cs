using System.Globalization;
using FluentAssertions;
using Vit.Core;
using Vit.Data;
using Vit.Samples.FashionMnist;
using Vit.Samples.FashionMnist.Options;
using Vit.Training;
using Xunit;

namespace Vit.Samples.Tests;

/// <summary>The sample's options (<see cref="RunOptions"/>, declared on the properties they set): every flag parses, ranges are the options classes' own, <c>--resume</c> refuses settings, presets give the defaults.</summary>
public sealed class RunOptionsTests
{
    private const string KeepsItsSettings = "cannot be combined with --resume: a resumed run keeps the settings it was started with (only --device, --threads, --tensorboard and --distributed may change).";

    /// <summary>Gets a valid text for every flag and the value it sets (<see langword="null"/> text: a switch).</summary>
    public static TheoryData<string, string?, object> EachFlag { get; } = new()
    {
        { "--epochs", "3", 3 },
        { "--preset", "FASHION_FULL", "fashion_full" },
        { "--batch-size", "64", 64 },
        { "--accumulation", "2", 2 },
        { "--lr", "5e-4", 5e-4 },
        { "--hide-prob", "0.5", 0.5 },
        { "--randaug", "rand-m9-n2", "rand-m9-n2" },
        { "--erase", "0.25", 0.25 },
        { "--mixup", "0.8", 0.8 },
        { "--cutmix", "1", 1.0 },
        { "--weight-decay", "0.1", 0.1 },
        { "--beta2", "0.99", 0.99 },
        { "--warmup-epochs", "2.5", 2.5 },
        { "--smoothing", "0.05", 0.05 },
        { "--clip-grad", "0.5", 0.5 },
        { "--drop-path", "0.1", 0.1 },
        { "--ema", "0", 0.0 },
        { "--eval-every", "3", 3 },
        { "--validation-split", "0.2", 0.2 },
        { "--width", "96", 96 },
        { "--depth", "8", 8 },
        { "--heads", "2", 2 },
        { "--mlp-ratio", "3", 3.0 },
        { "--stem", "16,32,64", "16,32,64" },
        { "--stem-strides", "1,2,2", "1,2,2" },
        { "--patch", "4", 4 },
        { "--translate", "2", 2 },
        { "--precision", "float16", "float16" },
        { "--seed", "7", 7 },
        { "--data", "d", "d" },
        { "--limit", "100", 100 },
        { "--device", "cuda", "cuda" },
        { "--resume", "c.safetensors", "c.safetensors" },
        { "--out", "o", "o" },
        { "--threads", "1", 1 },
        { "--tensorboard", "tb", "tb" },
        { "--distributed", null, true },
    };

    /// <summary>Gets every flag that is one of the run's settings (refused with <c>--resume</c>), with a valid text.</summary>
    public static TheoryData<string, string> EachSetting { get; } = new()
    {
        { "--epochs", "3" }, { "--preset", "fashion_full" }, { "--batch-size", "64" }, { "--accumulation", "2" }, { "--lr", "5e-4" },
        { "--hide-prob", "0.5" }, { "--randaug", "none" }, { "--erase", "0.25" }, { "--mixup", "0.8" }, { "--cutmix", "1" },
        { "--weight-decay", "0.1" }, { "--beta2", "0.99" }, { "--warmup-epochs", "2.5" }, { "--smoothing", "0.05" }, { "--clip-grad", "none" }, { "--drop-path", "0.1" }, { "--ema", "0" },
        { "--eval-every", "3" }, { "--validation-split", "0.2" }, { "--width", "96" }, { "--depth", "8" }, { "--heads", "2" },
        { "--mlp-ratio", "3" }, { "--stem", "16,32" }, { "--stem-strides", "2,2" }, { "--patch", "4" }, { "--translate", "2" }, { "--precision", "float16" }, { "--seed", "7" },
        { "--data", "d" }, { "--limit", "100" }, { "--out", "o" },
    };

    [Theory]
    [MemberData(nameof(EachFlag))]
    public void TryParse_EachFlag_SetsItsFieldAndNothingElse(string flag, string? text, object expected)
    {
        CommandLine.TryParse(text is null ? [flag] : [flag, text], out var request, out var error).Should().BeTrue(error);

        var option = RunOptions.All.Single(o => o.Name == flag);
        object? target = option.IsSetting ? request!.Settings : request;
        option.Field.GetValue(target).Should().Be(expected);
        if (option.IsSetting && flag != "--preset")
        {
            // Every other setting is the default preset's.
            foreach (var field in typeof(RunSettings).GetProperties().Where(p => p.CanWrite && p != option.Field))
            {
                field.GetValue(request!.Settings).Should().Be(field.GetValue(SamplePresets.Default.Defaults), field.Name);
            }
        }
    }

    [Fact]
    public void All_EveryOption_IsInTheTestsOfEachFlag()
    {
        RunOptions.All.Select(o => o.Name).Should().Equal(EachFlag.Select(row => (string)row[0]));
        RunOptions.All.Where(o => !o.Resumable).Select(o => o.Name).Should().Equal(EachSetting.Select(row => (string)row[0]));
    }

    [Fact]
    public void All_ResumableOptions_AreWhereTheRunRunsAndNoSetting()
    {
        RunOptions.All.Where(o => o.Resumable).Select(o => o.Name).Should().Equal("--device", "--resume", "--threads", "--tensorboard", "--distributed");
        RunOptions.All.Where(o => o.IsSetting).Should().OnlyContain(o => !o.Resumable);
        typeof(RunSettings).GetProperties().Where(p => p.CanWrite).Should().OnlyContain(p => RunOptions.All.Any(o => o.Field == p), "every setting has its option");
    }

    [Theory]
    [MemberData(nameof(EachSetting))]
    public void TryParse_SettingWithResume_IsRefused(string flag, string text)
    {
        CommandLine.TryParse(["--resume", "c.safetensors", flag, text], out var request, out var error).Should().BeFalse();

        request.Should().BeNull();
        error.Should().Be($"{flag} {KeepsItsSettings}");
    }

    [Theory]
    [InlineData("--epochs", typeof(TrainerOptions), nameof(TrainerOptions.Epochs), 0)]
    [InlineData("--batch-size", typeof(BatchLoaderOptions), nameof(BatchLoaderOptions.BatchSize), -3)]
    [InlineData("--accumulation", typeof(TrainerOptions), nameof(TrainerOptions.AccumulationSteps), 0)]
    [InlineData("--lr", typeof(TrainerOptions), nameof(TrainerOptions.LearningRate), 0.0)]
    [InlineData("--hide-prob", typeof(HideAndSeekOptions), nameof(HideAndSeekOptions.HideProbability), 1.5)]
    [InlineData("--erase", typeof(RandomErasingOptions), nameof(RandomErasingOptions.Probability), -0.1)]
    [InlineData("--mixup", typeof(MixupOptions), nameof(MixupOptions.MixupAlpha), -1.0)]
    [InlineData("--cutmix", typeof(MixupOptions), nameof(MixupOptions.CutmixAlpha), -0.5)]
    [InlineData("--weight-decay", typeof(TrainerOptions), nameof(TrainerOptions.WeightDecay), -0.5)]
    [InlineData("--beta2", typeof(TrainerOptions), nameof(TrainerOptions.Beta2), 1.5)]
    [InlineData("--warmup-epochs", typeof(TrainerOptions), nameof(TrainerOptions.WarmupEpochs), -1.0)]
    [InlineData("--smoothing", typeof(TrainerOptions), nameof(TrainerOptions.LabelSmoothing), 1.0)]
    [InlineData("--clip-grad", typeof(TrainerOptions), nameof(TrainerOptions.GradientClipNorm), 0.0)]
    [InlineData("--drop-path", typeof(VisionTransformerOptions), nameof(VisionTransformerOptions.DropPathRate), 1.0)]
    [InlineData("--ema", typeof(TrainerOptions), nameof(TrainerOptions.EmaDecay), 1.0)]
    [InlineData("--eval-every", typeof(TrainerOptions), nameof(TrainerOptions.EvaluateEveryEpochs), -1)]
    [InlineData("--width", typeof(VisionTransformerOptions), nameof(VisionTransformerOptions.EmbedDim), 0)]
    [InlineData("--depth", typeof(VisionTransformerOptions), nameof(VisionTransformerOptions.Depth), 0)]
    [InlineData("--heads", typeof(VisionTransformerOptions), nameof(VisionTransformerOptions.NumHeads), 0)]
    [InlineData("--mlp-ratio", typeof(VisionTransformerOptions), nameof(VisionTransformerOptions.MlpRatio), -2.0)]
    [InlineData("--patch", typeof(VisionTransformerOptions), nameof(VisionTransformerOptions.PatchSize), 0)]
    public void TryParse_OutOfTheOptionsRange_SaysWhatTheOptionsValidatorSays(string flag, Type options, string property, object value)
    {
        // What the options class says of the same value, e.g. "TrainerOptions.Epochs is 0 but must be at least 1".
        object instance = Activator.CreateInstance(options)!;
        options.GetProperty(property)!.SetValue(instance, value);
        var validator = Activator.CreateInstance(typeof(OptionsValidator<>).MakeGenericType(options))!;
        var failures = (IReadOnlyList<string>)validator.GetType().GetMethod(nameof(OptionsValidator<TrainerOptions>.Failures))!.Invoke(validator, [instance])!;
        string said = failures.Single(f => f.StartsWith($"{options.Name}.{property} is ", StringComparison.Ordinal));
        string requirement = said[(said.IndexOf(" but ", StringComparison.Ordinal) + 5)..].Replace("null or ", "", StringComparison.Ordinal);
        string text = Convert.ToString(value, CultureInfo.InvariantCulture)!;

        CommandLine.TryParse([flag, text], out _, out var error).Should().BeFalse();

        error.Should().Be($"{flag} {requirement}; got {text}.");
    }

    [Fact]
    public void TryParse_PresetThenOverrides_ThePresetsOtherValuesInAnyOrder()
    {
        var preset = SamplePresets.Find("cifar100_patch4_32")!;
        var expected = preset.Defaults with { LearningRate = 1e-3, EmaDecay = 0.99, Seed = 5 };

        CommandLine.TryParse(["--lr", "1e-3", "--preset", "cifar100_patch4_32", "--ema", "0.99", "--seed", "5"], out var before, out _).Should().BeTrue();
        CommandLine.TryParse(["--preset", "cifar100_patch4_32", "--seed", "5", "--ema", "0.99", "--lr", "1e-3"], out var after, out _).Should().BeTrue();

        before!.Settings.Should().Be(expected);
        after!.Settings.Should().Be(expected);
        (preset.Defaults.LearningRate, preset.Defaults.EmaDecay, preset.Defaults.Seed).Should().Be((3e-3, 0.0, 0), "parsing does not change the preset");
    }

    [Fact]
    public void WriteUsage_EveryOption_ListedWithItsDefault()
    {
        var usage = new StringWriter();

        CommandLine.WriteUsage(usage);

        string text = usage.ToString();
        text.Should().Contain("Epochs to train [default: the preset's; 9 for fashion_small]")
            .And.Contain("--preset <preset>").And.Contain("[default: fashion_small]")
            .And.Contain("--device <auto|cpu|cuda>").And.Contain("cpu or cuda [default: auto]")
            .And.Contain("--precision <float32|bfloat16|float16>").And.Contain("weights stay fp32 [default: float32]")
            .And.Contain("or none [default: the preset's; none for fashion_small]")
            .And.Contain("Seed of the initialisation, data order and augmentation [default: 0]")
            .And.Contain("Peak learning rate (warmup, then cosine decay) [default: the preset's; 0.003 for fashion_small]")
            .And.Contain("0 for none [default: the preset's; 0 for fashion_small]");
        RunOptions.All.Should().OnlyContain(o => text.Contains(o.Name + " ", StringComparison.Ordinal));
    }
}
