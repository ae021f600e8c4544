using System.Text.Json;
using FluentAssertions;
using Vit.Core;
using Xunit;
using Xunit.Abstractions;

namespace Vit.Training.Tests;

[Collection(TorchTestGroup.Name)]
public sealed partial class TrainerTests(ITestOutputHelper output)
{
    [Fact]
    public void TrainStep_TrainerStepsFixture_ReproducesPyTorch()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(TestFiles.Fixture("trainer_steps.json")));
        var root = json.RootElement;
        var m = root.GetProperty("model");
        var modelOptions = new VisionTransformerOptions
        {
            ImageSize = m.GetProperty("img_size").GetInt32(),
            PatchSize = m.GetProperty("patch_size").GetInt32(),
            InChannels = m.GetProperty("in_chans").GetInt32(),
            Depth = m.GetProperty("depth").GetInt32(),
            EmbedDim = m.GetProperty("embed_dim").GetInt32(),
            NumHeads = m.GetProperty("num_heads").GetInt32(),
            NumClasses = m.GetProperty("num_classes").GetInt32(),
        };
        using var model = VisionTransformer.LoadTimm(TestFiles.Fixture("trainer_steps.initial.safetensors"), modelOptions);
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
            GradientClipNorm = root.GetProperty("grad_clip_norm").GetDouble(),
            LabelSmoothing = root.GetProperty("label_smoothing").GetDouble(),
            AccumulationSteps = root.GetProperty("accumulation").GetInt32(),
        };
        using var trainer = new Trainer(model, options);
        var steps = SafeTensors.Load(TestFiles.Fixture("trainer_steps.steps.safetensors"));
        var final = SafeTensors.Load(TestFiles.Fixture("trainer_steps.final.safetensors"));
        try
        {
            var losses = steps["losses"].data<float>().ToArray();
            var rates = steps["learning_rates"].data<float>().ToArray();
            var norms = steps["grad_norms"].data<float>().ToArray();
            double lossError = 0, rateError = 0, normError = 0;
            for (int t = 0; t < losses.Length; t++)
            {
                float loss = trainer.TrainStep(steps[$"images.{t}"], steps[$"labels.{t}"]);
                lossError = Math.Max(lossError, Math.Abs(loss - losses[t]));
                rateError = Math.Max(rateError, Math.Abs(trainer.LastLearningRate - rates[t]));
                normError = Math.Max(normError, Math.Abs(trainer.LastGradientNorm - norms[t]));
                output.WriteLine($"step {t}: loss {loss:R} (ref {losses[t]:R}), lr {trainer.LastLearningRate:R} (ref {rates[t]:R}), grad norm {trainer.LastGradientNorm:R} (ref {norms[t]:R})");
            }

            double weightError = TestModels.MaxAbsDifference(model, final);
            output.WriteLine($"trainer_steps: max |loss - ref| = {lossError:E2}, max |lr - ref| = {rateError:E2}, max |grad norm - ref| = {normError:E2}, max |final weight - ref| = {weightError:E2}");
            trainer.Step.Should().Be(losses.Length);
            lossError.Should().BeLessThan(1e-5);
            rateError.Should().BeLessThan(1e-9, "the reference rates are float32 copies of the same formula");
            normError.Should().BeLessThan(1e-4);
            weightError.Should().BeLessThan(1e-4);
        }
        finally
        {
            foreach (var tensor in steps.Values.Concat(final.Values))
            {
                tensor.Dispose();
            }
        }
    }
}
