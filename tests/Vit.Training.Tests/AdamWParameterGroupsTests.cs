using System.Text.Json;
using FluentAssertions;
using TorchSharp;
using TorchSharp.Modules;
using Vit.Core;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Vit.Training.Tests;

[Collection(TorchTestGroup.Name)]
public sealed class AdamWParameterGroupsTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("blocks.0.attn.qkv.weight", new long[] { 192, 64 }, false)]
    [InlineData("head.weight", new long[] { 5, 64 }, false)]
    [InlineData("patch_embed.proj.weight", new long[] { 64, 3, 4, 4 }, false)]
    [InlineData("blocks.0.attn.qkv.bias", new long[] { 192 }, true)]
    [InlineData("blocks.1.norm1.weight", new long[] { 64 }, true)]
    [InlineData("pos_embed", new long[] { 1, 17, 64 }, true)]
    [InlineData("cls_token", new long[] { 1, 1, 64 }, true)]
    [InlineData("backbone.pos_embed", new long[] { 1, 17, 64 }, true)]
    [InlineData("weird.bias", new long[] { 3, 3 }, true)]
    [InlineData("my_pos_embed", new long[] { 1, 17, 64 }, false)]
    public void IsExemptFromWeightDecay_TimmRule_Holds(string name, long[] shape, bool exempt)
    {
        using var tensor = zeros(shape);

        AdamWParameterGroups.IsExemptFromWeightDecay(name, tensor).Should().Be(exempt);
    }

    [Fact]
    public void Create_FrozenParameter_IsLeftOut()
    {
        using var trainable = new Parameter(ones(2, 2));
        using var frozen = new Parameter(ones(2, 2), requires_grad: false);

        using var optimizer = AdamWParameterGroups.Create([("a", trainable), ("b", frozen)], 1e-3, 0.9, 0.999, 1e-8, 0.05);

        optimizer.parameters().Should().ContainSingle().Which.Should().BeSameAs(trainable);
    }

    [Fact]
    public void Step_AdamWWarmupCosineFixture_ReproducesPyTorch()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(TestFiles.Fixture("adamw_warmup_cosine.json")));
        var root = json.RootElement;
        int steps = root.GetProperty("steps").GetInt32();
        double baseRate = root.GetProperty("lr").GetDouble();
        var fixture = SafeTensors.Load(TestFiles.Fixture("adamw_warmup_cosine.safetensors"));
        try
        {
            using var w = new Parameter(fixture["w0"].clone());
            using var b = new Parameter(fixture["b0"].clone());
            // "w" (2-D) lands in the decayed group, "b" (1-D) in the other: the fixture's wd 0.3 / 0.0 split.
            using var optimizer = AdamWParameterGroups.Create(
                [("w", w), ("b", b)],
                baseRate,
                root.GetProperty("betas")[0].GetDouble(),
                root.GetProperty("betas")[1].GetDouble(),
                root.GetProperty("eps").GetDouble(),
                root.GetProperty("weight_decay_w").GetDouble());
            var schedule = new LearningRateSchedule(
                baseRate,
                root.GetProperty("warmup_steps").GetInt32(),
                root.GetProperty("total_steps").GetInt32(),
                root.GetProperty("warmup_init_lr").GetDouble(),
                baseRate * root.GetProperty("min_lr_ratio").GetDouble());
            var expectedRates = fixture["lr"].data<float>().ToArray();

            double maxRateError = 0;
            for (int t = 0; t < steps; t++)
            {
                double rate = schedule.GetLearningRate(t);
                maxRateError = Math.Max(maxRateError, Math.Abs(rate - expectedRates[t]));
                foreach (var group in optimizer.ParamGroups)
                {
                    group.LearningRate = rate;
                }

                w.grad = fixture[$"grad_w.{t}"].clone();
                b.grad = fixture[$"grad_b.{t}"].clone();
                optimizer.step();
            }

            double wError = (w - fixture["w_final"]).abs().max().item<float>();
            double bError = (b - fixture["b_final"]).abs().max().item<float>();
            output.WriteLine($"adamw_warmup_cosine: max |lr - ref| = {maxRateError:E2}, max |w - ref| = {wError:E2}, max |b - ref| = {bError:E2}");
            // The reference rates are stored as float32: 3e-3 carries ~1e-10 of rounding.
            maxRateError.Should().BeLessThan(1e-9);
            wError.Should().BeLessThan(1e-6);
            bError.Should().BeLessThan(1e-6);
        }
        finally
        {
            foreach (var tensor in fixture.Values)
            {
                tensor.Dispose();
            }
        }
    }

    [Fact]
    public void Create_WithLayerDecay_GivesTimmsGroupsAndScalesForYourOwnLoop()
    {
        torch.manual_seed(1);
        using var model = new VisionTransformer(new VisionTransformerOptions { ImageSize = 16, PatchSize = 4, InChannels = 3, NumClasses = 5, EmbedDim = 64, Depth = 2, NumHeads = 4 });

        using var optimizer = AdamWParameterGroups.Create(model, new TrainerOptions { LearningRate = 1e-3, LayerDecay = 0.5, WeightDecay = 0.05 }, out var scales);

        // Depth 2: embeddings are layer 0 (0.5^3), block i layer i + 1, the head 1; each scale split into not decayed / decayed as met.
        scales.Should().Equal(0.125, 0.125, 0.25, 0.25, 0.5, 0.5, 1, 1);
        optimizer.ParamGroups.Select(g => g.LearningRate).Should().Equal([1.25e-4, 1.25e-4, 2.5e-4, 2.5e-4, 5e-4, 5e-4, 1e-3, 1e-3], (a, b) => Math.Abs(a - b) < 1e-15);
        optimizer.ParamGroups.Cast<AdamW.ParamGroup>().Select(g => g.Options.weight_decay ?? -1).Should().Equal(0, 0.05, 0, 0.05, 0, 0.05, 0.05, 0);
        optimizer.ParamGroups.Cast<AdamW.ParamGroup>().Sum(g => g.Parameters.Count()).Should().Be(model.parameters().Count());
    }
}
