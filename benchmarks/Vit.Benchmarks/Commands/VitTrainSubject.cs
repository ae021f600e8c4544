using Vit.Core;
using Vit.Training;
using static TorchSharp.torch;

namespace Vit.Benchmarks.Commands;

/// <summary>One <see cref="Trainer.TrainStep"/> of a Vit model on a fixed random batch, in a <see cref="TrainerOptions.Precision"/>.</summary>
internal sealed class VitTrainSubject : IBenchmarkSubject
{
    private readonly VisionTransformer _model;
    private readonly Trainer _trainer;
    private readonly Tensor _images;
    private readonly Tensor _labels;

    /// <param name="options">The architecture.</param>
    /// <param name="batch">Images per step.</param>
    /// <param name="precision">The trainer's precision.</param>
    /// <param name="name">The label of the result line.</param>
    public VitTrainSubject(VisionTransformerOptions options, int batch, ScalarType precision = ScalarType.Float32, string name = "vit")
    {
        manual_seed(0);
        _model = new VisionTransformer(options);
        _trainer = new Trainer(_model, new TrainerOptions { LearningRateDecay = LearningRateDecay.Constant, LearningRate = 1e-4, Precision = precision });
        _images = randn(batch, options.InChannels, options.ImageSize, options.ImageSize);
        _labels = randint(0, options.NumClasses, [batch]);
        Precision = precision;
        Name = name;
    }

    public string Name { get; }

    public ScalarType Precision { get; }

    public void Run() => _trainer.TrainStep(_images, _labels);

    public void Dispose()
    {
        _trainer.Dispose();
        _model.Dispose();
        _images.Dispose();
        _labels.Dispose();
    }
}
