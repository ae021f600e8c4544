using TorchSharp;
using Vit.Core;
using Vit.Data;
using Vit.Training;

// Its own namespace: inside Vit.Samples.*, "FashionMnist" would name the sample's namespace, not Vit.Data's class.
namespace ReadmeExamples;

/// <summary>
/// The README's quick start, compiled: Vit.Samples.Tests.ReadmeQuickStartTests checks that the README shows exactly the
/// lines between the markers, so the documented code cannot drift from the API. Not run by the tests (it trains for
/// minutes).
/// </summary>
internal static class ReadmeQuickStart
{
    public static void Run()
    {
        // README quick start: begin
        var device = torch.cuda.is_available() ? torch.CUDA : torch.CPU;
        var options = VisionTransformerOptions.FromPreset("cifar100_patch4_32");      // the origin notebook's model
        (options.ImageSize, options.InChannels, options.NumClasses) = (28, 1, 10);     // fitted to Fashion-MNIST
        using var model = new VisionTransformer(options);
        model.to(device);                                                              // move first, then build the trainer
        using var train = FashionMnist.LoadTrain("data/fashion-mnist");                // 60,000 images, shipped, checksummed
        using var test = FashionMnist.LoadTest("data/fashion-mnist");                  // the official 10,000 test images
        var normalize = new Normalize(train.ComputeChannelStatistics());
        var hideAndSeek = new HideAndSeek(new HideAndSeekOptions { HideProbability = 0.25 });
        using var trainLoader = new BatchLoader(train, new() { BatchSize = 128, DropLast = true, Seed = 0, Device = device }, [normalize, hideAndSeek]);
        using var testLoader = new BatchLoader(test, new() { BatchSize = 500, Shuffle = false, Device = device }, [normalize]);
        using var trainer = new Trainer(model, new TrainerOptions { LearningRate = 1e-3, WarmupEpochs = 1, Epochs = 10 });
        var result = trainer.Fit(trainLoader, testLoader);
        Console.WriteLine($"test top-1 {result.LastEvaluation!.Top1Accuracy:P1}");
        model.SaveTimm("fashion-vit.safetensors");                                     // timm's keys: load_state_dict accepts it
        // README quick start: end
    }
}
