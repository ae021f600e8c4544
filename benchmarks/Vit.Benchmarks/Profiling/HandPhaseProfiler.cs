using System.Diagnostics;
using Vit.Benchmarks.Commands;
using Vit.Benchmarks.Measurement;
using Vit.Core;
using static TorchSharp.torch;

namespace Vit.Benchmarks.Profiling;

/// <summary>
/// Phases of a hand-written step (<see cref="HandTrainSubject"/>: forward and loss and backward under autocast,
/// TorchSharp's AdamW) in a lower precision, alternating with the same step in fp32 so both see the same load.
/// </summary>
internal sealed class HandPhaseProfiler(VisionTransformerOptions options, int batch, ScalarType precision) : IDisposable
{
    private readonly HandTrainSubject _mixed = new(options, batch, precision);
    private readonly HandTrainSubject _fp32 = new(options, batch, ScalarType.Float32);

    public IEnumerable<ProfileRow> Run(int steps)
    {
        var mixedSteps = new List<double>();
        var fp32Steps = new List<double>();
        _mixed.Run();
        _fp32.Run();
        _mixed.BeginTiming();
        _fp32.BeginTiming();
        for (int i = 0; i < steps; i++)
        {
            var (first, firstTimes, second, secondTimes) = i % 2 == 0 ? (_mixed, mixedSteps, _fp32, fp32Steps) : (_fp32, fp32Steps, _mixed, mixedSteps);
            firstTimes.Add(Time(first));
            secondTimes.Add(Time(second));
        }

        string name = PrecisionArgument.Name(precision);
        return
        [
            new ProfileRow("phase", $"hand step {name} (whole step)", 1, Statistics.Median(mixedSteps), 0),
            new ProfileRow("phase", $"forward + loss ({name} autocast)", 1, _mixed.ForwardMilliseconds, 0),
            new ProfileRow("phase", $"backward ({name} autocast)", 1, _mixed.BackwardMilliseconds, 0),
            new ProfileRow("phase", "optimizer (TorchSharp AdamW, tensor by tensor)", 1, _mixed.UpdateMilliseconds, 0),
            new ProfileRow("alt", "for comparison: hand step float32 (whole step, alternating)", 0, Statistics.Median(fp32Steps), 0),
            new ProfileRow("alt", "for comparison: float32 forward + loss", 0, _fp32.ForwardMilliseconds, 0),
            new ProfileRow("alt", "for comparison: float32 backward", 0, _fp32.BackwardMilliseconds, 0),
        ];
    }

    public void Dispose()
    {
        _mixed.Dispose();
        _fp32.Dispose();
    }

    private static double Time(HandTrainSubject subject)
    {
        var watch = Stopwatch.StartNew();
        subject.Run();
        return watch.Elapsed.TotalMilliseconds;
    }
}
