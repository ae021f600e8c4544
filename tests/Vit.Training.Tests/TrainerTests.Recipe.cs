using System.Text.Json;
using FluentAssertions;
using Vit.Core;
using Xunit;

namespace Vit.Training.Tests;

public sealed partial class TrainerTests
{
    [Fact]
    public void TrainStep_EmaLayerDecaySoftTargetsFixture_ReproducesTimm()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(TestFiles.Fixture("ema_llrd_soft_steps.json")));
        var root = json.RootElement;
        using var model = VisionTransformer.LoadTimm(TestFiles.Fixture("ema_llrd_soft_steps.initial.safetensors"), ModelOptions(root.GetProperty("model")));
        var options = new TrainerOptions
        {
            LearningRate = root.GetProperty("lr").GetDouble(),
            Beta1 = root.GetProperty("betas")[0].GetDouble(),
            Beta2 = root.GetProperty("betas")[1].GetDouble(),
            Epsilon = root.GetProperty("eps").GetDouble(),
            WeightDecay = root.GetProperty("weight_decay").GetDouble(),
            WarmupSteps = root.GetProperty("warmup_steps").GetInt32(),
            TotalSteps = root.GetProperty("total_steps").GetInt32(),
            WarmupInitialLearningRate = root.GetProperty("warmup_init_lr").GetDouble(),
            MinLearningRate = root.GetProperty("min_lr").GetDouble(),
            LabelSmoothing = root.GetProperty("label_smoothing").GetDouble(),
            EmaDecay = root.GetProperty("ema_decay").GetDouble(),
            LayerDecay = root.GetProperty("layer_decay").GetDouble(),
        };
        root.GetProperty("grad_clip_norm").ValueKind.Should().Be(JsonValueKind.Null, "the fixture does not clip");
        using var trainer = new Trainer(model, options);
        var steps = SafeTensors.Load(TestFiles.Fixture("ema_llrd_soft_steps.steps.safetensors"));
        var final = SafeTensors.Load(TestFiles.Fixture("ema_llrd_soft_steps.final.safetensors"));
        var ema = SafeTensors.Load(TestFiles.Fixture("ema_llrd_soft_steps.ema.safetensors"));
        using var averaged = TestModels.Build(TestModels.Tiny(), seed: 9);
        try
        {
            var losses = root.GetProperty("losses").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            double lossError = 0;
            for (int t = 0; t < losses.Length; t++)
            {
                steps[$"targets.{t}"].ndim.Should().Be(2, "soft targets: probability rows");
                float loss = trainer.TrainStep(steps[$"images.{t}"], steps[$"targets.{t}"]);
                lossError = Math.Max(lossError, Math.Abs(loss - losses[t]));
                output.WriteLine($"step {t}: loss {loss:R} (ref {losses[t]:R}), lr {trainer.LastLearningRate:R}");
            }

            trainer.Ema!.CopyTo(averaged);
            double weightError = TestModels.MaxAbsDifference(model, final);
            double emaError = TestModels.MaxAbsDifference(averaged, ema);
            // Control: the average is not the trained weights, so the EMA comparison can fail.
            double emaVsFinal = TestModels.MaxAbsDifference(averaged, final);
            output.WriteLine($"ema_llrd_soft_steps: max |loss - ref| = {lossError:E2}, max |final weight - ref| = {weightError:E2}, max |EMA weight - ref| = {emaError:E2} (EMA vs final weights {emaVsFinal:E2})");
            lossError.Should().BeLessThan(1e-5);
            weightError.Should().BeLessThan(1e-4);
            emaError.Should().BeLessThan(1e-4);
            emaVsFinal.Should().BeGreaterThan(1e-3);
        }
        finally
        {
            foreach (var tensor in steps.Values.Concat(final.Values).Concat(ema.Values))
            {
                tensor.Dispose();
            }
        }
    }

    [Fact]
    public void LayerDecayScales_VisionTransformer_MatchTimmParamGroupsLayerDecay()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(TestFiles.Fixture("ema_llrd_soft_steps.json")));
        var root = json.RootElement;
        var expected = root.GetProperty("lr_scales").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble());
        using var model = TestModels.Build(ModelOptions(root.GetProperty("model")));

        var scales = LayerDecayScales.For(model, root.GetProperty("layer_decay").GetDouble());

        scales.Keys.Should().BeEquivalentTo(expected.Keys);
        foreach (var (name, scale) in expected)
        {
            scales[name].Should().BeApproximately(scale, 1e-15, name);
        }
    }

    [Theory]
    [InlineData("reg_prenorm_map")]
    [InlineData("distilled")]
    [InlineData("headless_gap")]
    public void LayerDecayScales_TimmVariant_MatchTimmsScalesAndWeightDecayGroups(string name)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(TestFiles.Fixture("layer_decay_variants.json")));
        var root = json.RootElement;
        var expected = root.GetProperty("cases").GetProperty(name).GetProperty("parameters").EnumerateObject()
            .ToDictionary(p => p.Name, p => (Scale: p.Value.GetProperty("lr_scale").GetDouble(), Decayed: p.Value.GetProperty("decayed").GetBoolean()));

        // The fixture's timm arguments (eng/make_layer_decay_fixture.py), written as options.
        var options = new VisionTransformerOptions { ImageSize = 16, PatchSize = 8, EmbedDim = 16, Depth = 2, NumHeads = 2, NumClasses = 3 };
        switch (name)
        {
            case "reg_prenorm_map":
                (options.RegisterTokens, options.PreNorm, options.Pooling, options.ClassToken) = (2, true, Pooling.AttentionPool, false);
                break;
            case "distilled":
                options.DistillationToken = true;
                break;
            default:
                (options.NumClasses, options.ClassToken, options.Pooling, options.FcNorm) = (0, false, Pooling.Mean, false);
                break;
        }

        using var model = new VisionTransformer(options);

        var scales = LayerDecayScales.For(model, root.GetProperty("layer_decay").GetDouble());

        scales.Keys.Should().BeEquivalentTo(expected.Keys);
        foreach (var (parameterName, parameter) in model.named_parameters())
        {
            scales[parameterName].Should().Be(expected[parameterName].Scale, parameterName);
            AdamWParameterGroups.IsExemptFromWeightDecay(parameterName, parameter).Should().Be(!expected[parameterName].Decayed, parameterName);
        }
    }

    [Fact]
    public void Optimizer_WithLayerDecay_GroupsRatesByLayerAfterEachUpdate()
    {
        var options = StepOptions();
        options.LayerDecay = 0.5;
        options.WarmupSteps = 0;
        options.LearningRateDecay = LearningRateDecay.Constant;
        using var model = TestModels.Build(TestModels.Tiny());
        using var trainer = new Trainer(model, options);

        Train(trainer, 0);

        // Depth 2: stem 0.5^3, block 0 0.5^2, block 1 and the final norm 0.5, head 1; each with and without decay.
        var rates = trainer.Optimizer.ParamGroups.Select(g => g.LearningRate).ToList();
        rates.Should().BeEquivalentTo(new[] { 1e-3 * 0.125, 1e-3 * 0.125, 1e-3 * 0.25, 1e-3 * 0.25, 1e-3 * 0.5, 1e-3 * 0.5, 1e-3, 1e-3 });
        trainer.LastLearningRate.Should().Be(1e-3, "the schedule's rate, before the layer scales");
    }

    private static VisionTransformerOptions ModelOptions(JsonElement m) => new()
    {
        ImageSize = m.GetProperty("img_size").GetInt32(),
        PatchSize = m.GetProperty("patch_size").GetInt32(),
        InChannels = m.GetProperty("in_chans").GetInt32(),
        Depth = m.GetProperty("depth").GetInt32(),
        EmbedDim = m.GetProperty("embed_dim").GetInt32(),
        NumHeads = m.GetProperty("num_heads").GetInt32(),
        NumClasses = m.GetProperty("num_classes").GetInt32(),
    };
}
