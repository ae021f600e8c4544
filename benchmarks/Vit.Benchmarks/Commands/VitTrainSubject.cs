using Vit.Core;
using Vit.Training;
using static TorchSharp.torch;

namespace Vit.Benchmarks.Commands;

/// <summary>One <see cref="Trainer.TrainStep"/> of a Vit model on a fixed random batch.</summary>
internal sealed class VitTrainSubject : IBenchmarkSubject
{
    private readonly VisionTransformer _model;
    private readonly Trainer _trainer;
    private readonly Tensor _images;
    private readonly Tensor _labels;

    public VitTrainSubject(VisionTransformerOptions options, int batch)
    {
        _model = new VisionTransformer(options);
        _trainer = new Trainer(_model, new TrainerOptions { LearningRateDecay = LearningRateDecay.Constant, LearningRate = 1e-4 });
        _images = randn(batch, options.InChannels, options.ImageSize, options.ImageSize);
        _labels = randint(0, options.NumClasses, [batch]);
    }

    public string Name => "vit";

    public void Run() => _trainer.TrainStep(_images, _labels);

    public void Dispose()
    {
        _trainer.Dispose();
        _model.Dispose();
        _images.Dispose();
        _labels.Dispose();
    }
}
