using TorchSharp;
using Vit.Core;
using Vit.Data;
using Vit.Training;
using static TorchSharp.torch;

// Uses the public API of all three packages: a forward pass, Hide-and-Seek, one Trainer update, timm weights I/O.
torch.manual_seed(0);
var options = new VisionTransformerOptions
{
    ImageSize = 28, PatchSize = 7, InChannels = 1, NumClasses = 10, EmbedDim = 32, Depth = 2, NumHeads = 2,
};
using var model = new VisionTransformer(options);
using var scope = torch.NewDisposeScope();

var images = torch.rand(8, 1, 28, 28);
var labels = torch.arange(8, ScalarType.Int64) % 10;
using (torch.no_grad())
{
    model.eval();
    var logits = model.call(images);
    Console.WriteLine($"forward: logits [{string.Join(", ", logits.shape)}], finite {logits.isfinite().all().item<bool>()}");
}

using var hideAndSeek = new HideAndSeek(new HideAndSeekOptions { HideProbability = 0.5, Seed = 1 });
var hidden = hideAndSeek.call(images);
double hiddenFraction = hidden.ne(images).to(ScalarType.Float32).mean().item<float>();
Console.WriteLine($"hide-and-seek: {hiddenFraction:P0} of pixels hidden");

model.train();
using var trainer = new Trainer(model, new TrainerOptions { LearningRate = 1e-3, TotalSteps = 10, Seed = 0 });
float first = trainer.TrainStep(images, labels);
float second = trainer.TrainStep(images, labels);
Console.WriteLine($"train steps: loss {first:F4} -> {second:F4}, lr {trainer.LastLearningRate:G3}");

string path = Path.Combine(Path.GetTempPath(), $"vit-consumer-{Environment.ProcessId}.safetensors");
model.SaveTimm(path);
using var reloaded = VisionTransformer.LoadTimm(path, options);
File.Delete(path);
bool same = model.state_dict().All(kv => kv.Value.equal(reloaded.state_dict()[kv.Key]).all().item<bool>());
Console.WriteLine($"timm safetensors round trip: {(same ? "identical" : "DIFFERENT")}");

if (!float.IsFinite(first) || !float.IsFinite(second) || !same)
{
    Console.Error.WriteLine("consumer check FAILED");
    return 1;
}

Console.WriteLine("consumer check passed");
return 0;
