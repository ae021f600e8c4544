using System.Diagnostics;
using System.Globalization;
using TorchSharp.Modules;
using Vit.Benchmarks.Measurement;
using Vit.Core;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Vit.Benchmarks.Commands;

/// <summary>
/// A training step written by hand, without the Trainer: forward and label-smoothed cross-entropy and backward
/// under <see cref="Autocast"/> (off for fp32), then TorchSharp's AdamW on the fp32 weights. Times each phase.
/// </summary>
internal sealed class HandTrainSubject : IBenchmarkSubject
{
    private readonly VisionTransformer _model;
    private readonly AdamW _optimizer;
    private readonly Tensor _images;
    private readonly Tensor _labels;
    private readonly ScalarType _precision;
    private readonly bool? _attentionInFloat32;
    private readonly List<double> _forward = [];
    private readonly List<double> _backward = [];
    private readonly List<double> _update = [];

    /// <param name="options">The architecture.</param>
    /// <param name="batch">Images per step.</param>
    /// <param name="precision">The autocast dtype (Float32: off).</param>
    /// <param name="attentionInFloat32">The <see cref="Autocast.CpuAttentionInFloat32"/> setting during this subject's steps (null: the process's).</param>
    public HandTrainSubject(VisionTransformerOptions options, int batch, ScalarType precision, bool? attentionInFloat32 = null)
    {
        _attentionInFloat32 = attentionInFloat32;
        manual_seed(0);
        _model = new VisionTransformer(options);
        _model.train();
        _optimizer = TorchSharp.torch.optim.AdamW(_model.parameters(), lr: 1e-4, weight_decay: 0.05);
        _images = randn(batch, options.InChannels, options.ImageSize, options.ImageSize);
        _labels = randint(0, options.NumClasses, [batch]);
        _precision = precision;
    }

    public string Name => PrecisionArgument.Name(_precision) + (_attentionInFloat32 == true ? "_attention_fp32" : string.Empty);

    public ScalarType Precision => _precision;

    /// <summary>Gets the median forward + loss time since <see cref="BeginTiming"/>, in ms.</summary>
    public double ForwardMilliseconds => Statistics.Median(_forward);

    /// <summary>Gets the median backward time since <see cref="BeginTiming"/>, in ms.</summary>
    public double BackwardMilliseconds => Statistics.Median(_backward);

    /// <summary>Gets the median AdamW step time since <see cref="BeginTiming"/>, in ms.</summary>
    public double UpdateMilliseconds => Statistics.Median(_update);

    public string Details => string.Create(
        CultureInfo.InvariantCulture,
        $"forward_loss_ms={ForwardMilliseconds:F1} backward_ms={BackwardMilliseconds:F1} adamw_ms={UpdateMilliseconds:F1}");

    public void BeginTiming()
    {
        _forward.Clear();
        _backward.Clear();
        _update.Clear();
    }

    public void Run()
    {
        using var scope = NewDisposeScope();
        bool setting = Autocast.CpuAttentionInFloat32;
        Autocast.CpuAttentionInFloat32 = _attentionInFloat32 ?? setting;
        try
        {
            Step();
        }
        finally
        {
            Autocast.CpuAttentionInFloat32 = setting;
        }
    }

    private void Step()
    {
        _optimizer.zero_grad();
        var watch = Stopwatch.StartNew();
        Tensor loss;
        using (Autocast.Enable(_precision))
        {
            loss = cross_entropy(_model.call(_images), _labels, label_smoothing: 0.1);
            _forward.Add(watch.Elapsed.TotalMilliseconds);
            watch.Restart();
            loss.backward();
            _backward.Add(watch.Elapsed.TotalMilliseconds);
        }

        watch.Restart();
        _optimizer.step();
        _update.Add(watch.Elapsed.TotalMilliseconds);
        _ = loss.item<float>();
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        _model.Dispose();
        _images.Dispose();
        _labels.Dispose();
    }
}
