using System.Diagnostics;
using Vit.Benchmarks.Measurement;
using Vit.Core;
using Vit.Training;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Vit.Benchmarks.Profiling;

/// <summary>
/// Splits real training steps into phases by hand: it alternates <see cref="Trainer.TrainStep"/> with the same
/// same forward and backward spelled out, timing each phase and counting the page faults it causes; the rest of the
/// step (flat AdamW, gradient norm, bookkeeping) is the difference. Also times the per-tensor way of updating.
/// </summary>
internal sealed class PhaseProfiler : IDisposable
{
    private readonly VisionTransformer _model;
    private readonly Trainer _trainer;
    private readonly Tensor _images;
    private readonly Tensor _labels;
    private readonly Dictionary<string, List<double>> _times = [];
    private readonly Dictionary<string, List<double>> _faults = [];
    private const string WholeStep = "Trainer.TrainStep (whole step)";
    private const string ForwardPhase = "forward + loss";
    private const string BackwardPhase = "backward";

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
            Phase(WholeStep, record, () => _trainer.TrainStep(_images, _labels));
            SpelledOutStep(record);
        }

        var rows = _times.Select(kv => new ProfileRow(
            kv.Key.StartsWith("for comparison", StringComparison.Ordinal) ? "alt" : "phase",
            kv.Key + $" ({Statistics.Median(_faults[kv.Key]):F0} page faults)",
            kv.Key.StartsWith("for comparison", StringComparison.Ordinal) ? 0 : 1,
            Statistics.Median(kv.Value),
            0)).ToList();
        double rest = Statistics.Median(_times[WholeStep]) - Statistics.Median(_times[ForwardPhase]) - Statistics.Median(_times[BackwardPhase]);
        rows.Add(new ProfileRow("phase", "optimizer (flat AdamW) + gradient norm + trainer bookkeeping (= step - forward - backward)", 1, rest, 0));
        return rows;
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
            Phase(ForwardPhase, record, () => loss = F.cross_entropy(_model.call(_images), _labels, label_smoothing: 0.1));
            Phase(BackwardPhase, record, () => loss!.backward());
            // What the same update costs done tensor by tensor (TorchSharp's AdamW on the same states, and a norm per
            // parameter): the work the trainer's flat buffers avoid.
            Phase("for comparison: gradient norm per parameter (76 norms, stack, norm)", record, () =>
            {
                var norms = _model.parameters().Select(p => linalg.vector_norm(p.grad!, 2)).ToList();
                _ = linalg.vector_norm(stack(norms), 2).item<float>();
            });
            Phase("for comparison: TorchSharp AdamW.step, tensor by tensor", record, () => _trainer.Optimizer.step());
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
