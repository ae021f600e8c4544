using System.Diagnostics;
using Vit.Benchmarks.Measurement;
using static TorchSharp.torch;

namespace Vit.Benchmarks.Profiling;

/// <summary>
/// Times libtorch work by hand: CPU kernels run synchronously on the calling thread (and its OpenMP team), so a
/// <see cref="Stopwatch"/> around a call measures exactly that call. Every figure is the median of several repetitions
/// after one untimed warm-up.
/// </summary>
internal static class OpTimer
{
    /// <summary>Median milliseconds of <paramref name="action"/>, each repetition in its own dispose scope.</summary>
    public static double Milliseconds(Action action, int repetitions)
    {
        var samples = new double[repetitions];
        for (int i = -1; i < repetitions; i++)
        {
            using var scope = NewDisposeScope();
            var watch = Stopwatch.StartNew();
            action();
            watch.Stop();
            if (i >= 0)
            {
                samples[i] = watch.Elapsed.TotalMilliseconds;
            }
        }

        return Statistics.Median(samples);
    }

    /// <summary>
    /// Median milliseconds of an op's forward and of its backward: <paramref name="forward"/> builds a fresh graph
    /// from leaf tensors each repetition, then <c>backward(gradient)</c> runs only that op's backward.
    /// </summary>
    public static (double Forward, double Backward) ForwardBackward(Func<Tensor> forward, int repetitions)
    {
        var forwardSamples = new double[repetitions];
        var backwardSamples = new double[repetitions];
        for (int i = -1; i < repetitions; i++)
        {
            using var scope = NewDisposeScope();
            var watch = Stopwatch.StartNew();
            var output = forward();
            watch.Stop();
            using var gradient = ones_like(output);
            var backWatch = Stopwatch.StartNew();
            output.backward([gradient]);
            backWatch.Stop();
            if (i >= 0)
            {
                forwardSamples[i] = watch.Elapsed.TotalMilliseconds;
                backwardSamples[i] = backWatch.Elapsed.TotalMilliseconds;
            }
        }

        return (Statistics.Median(forwardSamples), Statistics.Median(backwardSamples));
    }
}
