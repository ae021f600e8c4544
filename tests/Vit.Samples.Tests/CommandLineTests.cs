using FluentAssertions;
using Vit.Samples.FashionMnist;
using Vit.Samples.FashionMnist.Options;
using Xunit;

namespace Vit.Samples.Tests;

public sealed class CommandLineTests
{
    [Fact]
    public void TryParse_NoArguments_IsTheDefaultPresetsSettings()
    {
        CommandLine.TryParse([], out var request, out var error).Should().BeTrue();
        error.Should().BeNull();
        request!.Settings.Should().Be(SamplePresets.Find("fashion_small")!.Defaults);
        (request.Settings!.Epochs, request.Settings.LearningRate, request.Settings.Seed, request.Settings.Precision).Should().Be((9, 3e-3, 0, "float32"));
        (request.Device, request.Resume, request.OutputDirectory, request.Threads, request.Distributed).Should().Be(("auto", (string?)null, (string?)null, (int?)null, false));
    }

    [Fact]
    public void TryParse_AllOptions_ReadsEachValue()
    {
        string[] args = ["--epochs", "3", "--preset", "cifar100_patch8_32", "--batch-size", "64", "--accumulation", "4", "--lr", "5e-4",
            "--hide-prob", "0.5", "--randaug", "rand-m9-n2-mstd0.5", "--erase", "0.25", "--mixup", "0.8", "--cutmix", "1", "--weight-decay", "0.1",
            "--warmup-epochs", "2.5", "--smoothing", "0.05", "--clip-grad", "2", "--drop-path", "0.1", "--ema", "0.998", "--eval-every", "4", "--validation-split", "0.2",
            "--width", "96", "--depth", "8", "--heads", "3", "--mlp-ratio", "3", "--stem", "8,16", "--stem-strides", "2,1", "--patch", "4", "--translate", "0", "--precision", "bfloat16",
            "--seed", "7", "--device", "cpu", "--data", "d", "--out", "o", "--limit", "100", "--threads", "1", "--tensorboard", "tb", "--distributed"];
        CommandLine.TryParse(args, out var request, out var error).Should().BeTrue(error);
        request.Should().Be(new CommandLineRequest
        {
            Settings = new RunSettings
            {
                Epochs = 3, Preset = "cifar100_patch8_32", BatchSize = 64, Accumulation = 4, LearningRate = 5e-4, HideProbability = 0.5,
                RandAugment = "rand-m9-n2-mstd0.5", EraseProbability = 0.25, MixupAlpha = 0.8, CutmixAlpha = 1, WeightDecay = 0.1, WarmupEpochs = 2.5,
                LabelSmoothing = 0.05, GradientClipNorm = 2, DropPathRate = 0.1, EmaDecay = 0.998, EvaluateEveryEpochs = 4, ValidationFraction = 0.2,
                Width = 96, Depth = 8, Heads = 3, MlpRatio = 3, StemChannels = "8,16", StemStrides = "2,1", PatchSize = 4, TranslatePixels = 0, Precision = "bfloat16",
                Seed = 7, DataDirectory = "d", Limit = 100,
            },
            Device = "cpu", OutputDirectory = "o", Threads = 1, TensorBoardDirectory = "tb", Distributed = true,
        });
    }

    [Theory]
    [InlineData("--hide-prob 1.5", "--hide-prob must be in [0, 1]; got 1.5.")]
    [InlineData("--erase 2", "--erase must be in [0, 1]; got 2.")]
    [InlineData("--mixup -0.5", "--mixup must be a finite number of at least 0; got -0.5.")]
    [InlineData("--cutmix x", "--cutmix expects a number such as 0.25 or 2e-3; got 'x'.")]
    [InlineData("--randaug rand-m9-q1", "--randaug: RandAugment config 'rand-m9-q1': section 'q1' is not one of m<magnitude>, n<layers>, p<probability>, mstd<std>, mmax<max>, inc<0|1>.")]
    [InlineData("--randaug rand-p3", "--randaug: RandAugmentOptions.Probability is 3 but must be in [0, 1].")]
    [InlineData("--resume c.safetensors --erase 0.1", "--erase cannot be combined with --resume: a resumed run keeps the settings it was started with (only --device, --threads, --tensorboard and --distributed may change).")]
    [InlineData("--precision fp8", "--precision must be float32, bfloat16 or float16; got 'fp8'.")]
    [InlineData("--resume c.safetensors --precision float16", "--precision cannot be combined with --resume: a resumed run keeps the settings it was started with (only --device, --threads, --tensorboard and --distributed may change).")]
    [InlineData("--epochs 0", "--epochs must be at least 1; got 0.")]
    [InlineData("--weight-decay -0.1", "--weight-decay must be a finite number of at least 0; got -0.1.")]
    [InlineData("--beta2 1.5", "--beta2 must be in [0, 1); got 1.5.")]
    [InlineData("--stem 16,x,64", "--stem must be comma-separated positive integers such as 16,32,64; got '16,x,64'.")]
    [InlineData("--stem 16,32 --stem-strides 2", "--stem-strides 2 must give one stride per stem convolution; got --stem 16,32.")]
    [InlineData("--stem none --stem-strides 2,2", "--stem-strides 2,2 must give one stride per stem convolution; got no stem.")]
    [InlineData("--stem-strides 2,2", "--stem-strides 2,2 must give one stride per stem convolution; got --stem 32,64,128.")]
    [InlineData("--stem-strides 2,0", "--stem-strides must be comma-separated positive integers such as 16,32,64; got '2,0'.")]
    [InlineData("--warmup-epochs -1", "--warmup-epochs must be a finite number of at least 0; got -1.")]
    [InlineData("--smoothing 1", "--smoothing must be in [0, 1); got 1.")]
    [InlineData("--drop-path 1.5", "--drop-path must be in [0, 1); got 1.5.")]
    [InlineData("--ema 1", "--ema must be in [0, 1); got 1.")]
    [InlineData("--ema NaN", "--ema must be in [0, 1); got NaN.")]
    [InlineData("--eval-every -1", "--eval-every must be at least 0; got -1.")]
    [InlineData("--validation-split 0", "--validation-split must be in (0, 1); got 0.")]
    [InlineData("--validation-split 1", "--validation-split must be in (0, 1); got 1.")]
    [InlineData("--width 0", "--width must be at least 1; got 0.")]
    [InlineData("--translate -1", "--translate must be at least 0; got -1.")]
    [InlineData("--depth -2", "--depth must be at least 1; got -2.")]
    [InlineData("--heads 0", "--heads must be at least 1; got 0.")]
    [InlineData("--patch 0", "--patch must be at least 1; got 0.")]
    [InlineData("--mlp-ratio 0", "--mlp-ratio must be a finite number greater than 0; got 0.")]
    [InlineData("--resume c.safetensors --ema 0.99", "--ema cannot be combined with --resume: a resumed run keeps the settings it was started with (only --device, --threads, --tensorboard and --distributed may change).")]
    [InlineData("--resume c.safetensors --validation-split 0.2", "--validation-split cannot be combined with --resume: a resumed run keeps the settings it was started with (only --device, --threads, --tensorboard and --distributed may change).")]
    [InlineData("--epochs abc", "--epochs expects a whole number; got 'abc'.")]
    [InlineData("--lr -1", "--lr must be a finite number greater than 0; got -1.")]
    [InlineData("--lr Infinity", "--lr must be a finite number greater than 0; got Infinity.")]
    [InlineData("--device gpu", "--device must be auto, cpu or cuda; got 'gpu'.")]
    [InlineData("--limit 0", "--limit must be at least 1; got 0.")]
    [InlineData("--threads 0", "--threads must be at least 1; got 0.")]
    [InlineData("--accumulation 3", "--batch-size 256 is not divisible by --accumulation 3.")]
    [InlineData("--resume c.safetensors --data d", "--data cannot be combined with --resume: a resumed run keeps the settings it was started with (only --device, --threads, --tensorboard and --distributed may change).")]
    [InlineData("--resume c.safetensors --out o", "--out cannot be combined with --resume: a resumed run keeps the settings it was started with (only --device, --threads, --tensorboard and --distributed may change).")]
    [InlineData("--lr x", "--lr expects a number such as 0.25 or 2e-3; got 'x'.")]
    [InlineData("--batch-size 100 --accumulation 3", "--batch-size 100 is not divisible by --accumulation 3.")]
    [InlineData("--resume c.safetensors --lr 1e-3", "--lr cannot be combined with --resume: a resumed run keeps the settings it was started with (only --device, --threads, --tensorboard and --distributed may change).")]
    public void TryParse_BadValue_ReturnsOneLineError(string line, string expected)
    {
        CommandLine.TryParse(line.Split(' '), out var request, out var error).Should().BeFalse();
        request.Should().BeNull();
        error.Should().Be(expected);
    }

    [Fact]
    public void TryParse_UnknownPreset_ListsTheValidNames()
    {
        CommandLine.TryParse(["--preset", "resnet50"], out _, out var error).Should().BeFalse();
        error.Should().Be("Unknown preset 'resnet50'; expected one of fashion_small, fashion_full, cifar100_patch16_32, cifar100_patch8_32, " +
            "cifar100_patch4_32, vit_tiny_patch16_224, vit_small_patch16_224, vit_base_patch16_224.");
    }

    [Fact]
    public void TryParse_RandAugmentNone_TurnsItOff()
    {
        CommandLine.TryParse(["--preset", "cifar100_patch4_32", "--randaug", RunOptions.None], out var request, out var error).Should().BeTrue(error);
        request!.Settings!.RandAugment.Should().BeNull();
    }

    [Fact]
    public void TryParse_ResumeWithWhereItRuns_IsAllowedAndHoldsNoSettings()
    {
        CommandLine.TryParse(["--resume", "c.safetensors", "--device", "cpu", "--threads", "2", "--tensorboard", "tb", "--distributed"], out var request, out var error).Should().BeTrue(error);
        request.Should().Be(new CommandLineRequest { Resume = "c.safetensors", Device = "cpu", Threads = 2, TensorBoardDirectory = "tb", Distributed = true, Settings = null });
    }
}
