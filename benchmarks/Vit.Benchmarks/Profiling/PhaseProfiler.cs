using System.Diagnostics;
using Vit.Benchmarks.Measurement;
using Vit.Core;
using Vit.Training;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Vit.Benchmarks.Profiling;

/// <summary>
/// Splits real training steps into phases by hand: it alternates <see cref="Trainer.TrainStep"/> with the same
/// step spelled out (forward + loss, backward, gradient norm, AdamW, freeing), timing each phase and counting the
/// page faults it causes. The difference between the two is the Trainer's own overhead.
/// </summary>
internal sealed class PhaseProfiler : IDisposable
{
    private readonly VisionTransformer _model;
    private readonly Trainer _trainer;
    private readonly Tensor _images;
    private readonly Tensor _labels;
    private readonly Dictionary<string, List<double>> _times = [];
    private readonly Dictionary<string, List<double>> _faults = [];

    public PhaseProfiler(VisionTransformerOptions options, int batch)
    {
        _model = new VisionTransformer(options);
        _trainer = new Trainer(_model, new TrainerOptions { LearningRateDecay = LearningRateDecay.Constant, LearningRate = 1e-4 });
        _images = randn(batch, options.InChannels, options.ImageSize, options.ImageSize);
        _labels = randint(0, options.NumClasses, [batch]);
    }

    public IEnumerable<ProfileRow> Run(int steps)
    {
        for (int i = -1; i < steps; i++)
        {
            bool record = i >= 0;
            Phase("Trainer.TrainStep (whole step)", record, () => _trainer.TrainStep(_images, _labels));
            SpelledOutStep(record);
        }

        return _times.Select(kv => new ProfileRow("phase", kv.Key + $" ({Statistics.Median(_faults[kv.Key]):F0} page faults)", 1, Statistics.Median(kv.Value), 0));
    }

    public void Dispose()
    {
        _trainer.Dispose();
        _model.Dispose();
        _images.Dispose();
        _labels.Dispose();
    }

    private void SpelledOutStep(bool record)
    {
        using (var scope = NewDisposeScope())
        {
            _model.train();
            Tensor? loss = null;
            Phase("forward + loss", record, () => loss = F.cross_entropy(_model.call(_images), _labels, label_smoothing: 0.1));
            Phase("backward", record, () => loss!.backward());
            Phase("gradient norm (per-parameter norms, stack, norm)", record, () =>
            {
                var norms = _model.parameters().Select(p => linalg.vector_norm(p.grad!, 2)).ToList();
                _ = linalg.vector_norm(stack(norms), 2).item<float>();
            });
            Phase("AdamW step", record, () => _trainer.Optimizer.step());
            Phase("zero_grad", record, () => _model.zero_grad());
        }
    }

    private void Phase(string name, bool record, Action action)
    {
        long faults = PageFaults.Minor();
        var watch = Stopwatch.StartNew();
        action();
        watch.Stop();
        if (record)
        {
            if (!_times.TryGetValue(name, out var list))
            {
                _times[name] = list = [];
                _faults[name] = [];
            }

            list.Add(watch.Elapsed.TotalMilliseconds);
            _faults[name].Add(PageFaults.Minor() - faults);
        }
    }
}
