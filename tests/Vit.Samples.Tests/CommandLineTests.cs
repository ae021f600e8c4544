using FluentAssertions;
using Vit.Samples.FashionMnist;
using Xunit;

namespace Vit.Samples.Tests;

public sealed class CommandLineTests
{
    [Fact]
    public void TryParse_NoArguments_LeavesRecipeValuesToThePreset()
    {
        CommandLine.TryParse([], out var request, out var error).Should().BeTrue();
        error.Should().BeNull();
        request!.Preset.Should().Be("fashion_small");
        request.Epochs.Should().BeNull();
        request.LearningRate.Should().BeNull();
        request.Seed.Should().Be(0);
        request.Device.Should().Be("auto");
        request.Precision.Should().Be("float32");
    }

    [Fact]
    public void TryParse_AllOptions_ReadsEachValue()
    {
        string[] args = ["--epochs", "3", "--preset", "cifar100_patch8_32", "--batch-size", "64", "--accumulation", "4", "--lr", "5e-4",
            "--hide-prob", "0.5", "--randaug", "rand-m9-n2-mstd0.5", "--erase", "0.25", "--mixup", "0.8", "--cutmix", "1", "--seed", "7", "--device", "cpu", "--data", "d", "--out", "o",
            "--limit", "100", "--threads", "1", "--tensorboard", "tb", "--precision", "bfloat16"];
        CommandLine.TryParse(args, out var request, out _).Should().BeTrue();
        request.Should().BeEquivalentTo(new CommandLineRequest
        {
            Epochs = 3, Preset = "cifar100_patch8_32", BatchSize = 64, Accumulation = 4, LearningRate = 5e-4, HideProbability = 0.5,
            RandAugment = "rand-m9-n2-mstd0.5", EraseProbability = 0.25, MixupAlpha = 0.8, CutmixAlpha = 1, Seed = 7, Device = "cpu", DataDirectory = "d", OutputDirectory = "o", Limit = 100,
            Threads = 1, TensorBoardDirectory = "tb", Precision = "bfloat16",
        });
    }

    [Theory]
    [InlineData("--hide-prob 1.5", "--hide-prob must be in [0, 1]; got 1.5.")]
    [InlineData("--erase 2", "--erase must be in [0, 1]; got 2.")]
    [InlineData("--mixup -0.5", "--mixup must be a number of at least 0; got -0.5.")]
    [InlineData("--cutmix x", "--cutmix expects a number such as 0.25 or 2e-3; got 'x'.")]
    [InlineData("--randaug rand-m9-q1", "--randaug: RandAugment config 'rand-m9-q1': section 'q1' is not one of m<magnitude>, n<layers>, p<probability>, mstd<std>, mmax<max>, inc<0|1>.")]
    [InlineData("--randaug rand-p3", "--randaug: RandAugmentOptions.Probability is 3 but must be in [0, 1]")]
    [InlineData("--resume c.safetensors --erase 0.1", "--erase cannot be combined with --resume: a resumed run keeps the settings it was started with (only --device, --threads, --tensorboard and --distributed may change).")]
    [InlineData("--precision fp8", "--precision must be float32, bfloat16 or float16; got 'fp8'.")]
    [InlineData("--resume c.safetensors --precision float16", "--precision cannot be combined with --resume: a resumed run keeps the settings it was started with (only --device, --threads, --tensorboard and --distributed may change).")]
    [InlineData("--epochs 0", "--epochs must be at least 1; got 0.")]
    [InlineData("--epochs abc", "--epochs expects a whole number; got 'abc'.")]
    [InlineData("--lr -1", "--lr must be a positive number; got -1.")]
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
        error.Should().Be("Unknown preset 'resnet50'; expected one of fashion_small, cifar100_patch16_32, cifar100_patch8_32, " +
            "cifar100_patch4_32, vit_tiny_patch16_224, vit_small_patch16_224, vit_base_patch16_224.");
    }

    [Fact]
    public void TryParse_ResumeWithDevice_IsAllowed()
    {
        CommandLine.TryParse(["--resume", "c.safetensors", "--device", "cpu"], out var request, out _).Should().BeTrue();
        request!.Resume.Should().Be("c.safetensors");
    }
}
