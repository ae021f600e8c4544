using System.Globalization;
using FluentAssertions;
using TorchSharp;
using Vit.Core;
using Vit.Inference;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Vit.Cli.Tests;

/// <summary><c>vit export</c> of a convolutional-stem model folder (BatchNorm running statistics off their initial values): ImageClassifier gives TorchSharp's eval-mode logits.</summary>
[Collection(TorchTestGroup.Name)]
public sealed class ConvStemExportTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(null, 1e-4)]
    [InlineData("int8", 5e-2)]
    [InlineData("fp16", 1e-2)]
    public void Export_ConvStemFolder_LogitsAreTheEvalForwards(string? quantize, double tolerance)
    {
        using var scope = NewDisposeScope();
        using var temp = new TempDirectory();
        torch.manual_seed(17);
        using var model = new VisionTransformer(new VisionTransformerOptions
        {
            ImageSize = 28, InChannels = 1, PatchSize = 2, EmbedDim = 32, Depth = 2, NumHeads = 2, NumClasses = 4, MlpRatio = 2,
            StemChannels = [8, 16], StemStrides = [2, 1], ClassToken = false, Pooling = Pooling.Mean,
        });
        using (torch.no_grad())
        {
            foreach (var parameter in model.parameters())
            {
                parameter.add_(torch.randn_like(parameter) * 0.1);
            }

            foreach (var (name, buffer) in model.named_buffers().Where(b => b.name.EndsWith("running_mean", StringComparison.Ordinal) || b.name.EndsWith("running_var", StringComparison.Ordinal)))
            {
                _ = name.EndsWith("running_var", StringComparison.Ordinal) ? buffer.uniform_(0.3, 3.0) : buffer.normal_(0, 0.5);
            }
        }

        model.eval();
        model.SavePretrained(temp.File("model"), new PretrainedMetadata { ClassNames = ["ant", "bee", "cat", "dog"], CropPct = 1.0 });
        string[] arguments = quantize is null ? ["export", temp.File("model"), temp.File("app")] : ["export", temp.File("model"), temp.File("app"), "--quantize", quantize];

        var (code, stdout, errors) = ToolRun.InProcess(arguments);

        code.Should().Be(0, errors);
        output.WriteLine(stdout.TrimEnd());
        var images = torch.randn(5, 1, 28, 28);
        Tensor logits;
        using (torch.no_grad())
        {
            logits = model.forward(images);
        }

        using var classifier = ImageClassifier.Load(temp.File("app"));
        var actual = tensor(classifier.Logits(images.data<float>().ToArray(), 5), [5, 4]);
        double difference = TensorAssert.Close(actual, logits, atol: tolerance, because: $"{quantize ?? "float32"} logits");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{quantize ?? "float32"}: max abs difference {difference:G3} (largest logit {logits.abs().max().item<float>():G3})"));
        actual.argmax(1).eq(logits.argmax(1)).all().item<bool>().Should().BeTrue("every precision keeps the top class");
    }
}
