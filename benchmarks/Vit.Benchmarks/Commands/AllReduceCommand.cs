using System.Diagnostics;
using System.Globalization;
using Vit.Benchmarks.Measurement;
using Vit.Core;
using Vit.Distributed;
using static TorchSharp.torch;

namespace Vit.Benchmarks.Commands;

/// <summary>
/// <c>allreduce</c>, started under mpirun: the in-place sum of one flat float32 buffer across the ranks, the one
/// collective a data-parallel update needs. The buffer defaults to the size of the model options' gradients (the
/// origin width: about 10.7M values). Each repetition starts after a barrier and counts the slowest rank's time.
/// Each repetition also times a local in-place add of two buffers of that size on every rank at once (one pass of
/// memory traffic, no communication): the ratio of the two says what the all-reduce costs in units of the machine's
/// memory speed at that moment, which varies less with the load of other processes than either time alone.
/// </summary>
internal static class AllReduceCommand
{
    public static int Run(Arguments args)
    {
        var options = ModelArguments.Read(args);
        int elements = args.Int("elements", 0);
        int repetitions = args.Int("repetitions", 20);
        int warmup = args.Int("warmup", 3);
        args.ThrowIfUnused();
        set_num_threads(1);

        return MpiCommunicator.Run(mpi =>
        {
            var output = mpi.OnRoot(Console.Out);
            long count = elements > 0 ? elements : GradientCount(options);
            output.WriteLine(MachineInfo.Describe());
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# ranks={mpi.Size} library=\"{mpi.LibraryVersion}\" elements={count} (float32)"));
            using var buffer = full(count, 1f / mpi.Size, ScalarType.Float32);
            using var other = full(count, 0f, ScalarType.Float32);
            var times = new List<double>();
            var localTimes = new List<double>();
            for (int i = 0; i < warmup + repetitions; i++)
            {
                buffer.fill_(1f / mpi.Size);
                mpi.Barrier();
                long start = Stopwatch.GetTimestamp();
                mpi.AllReduce(buffer);
                double milliseconds = mpi.AllReduce(Stopwatch.GetElapsedTime(start).TotalMilliseconds, ReduceOperation.Max);
                mpi.Barrier();
                start = Stopwatch.GetTimestamp();
                other.add_(buffer);
                double local = mpi.AllReduce(Stopwatch.GetElapsedTime(start).TotalMilliseconds, ReduceOperation.Max);
                if (i >= warmup)
                {
                    times.Add(milliseconds);
                    localTimes.Add(local);
                }
            }

            // Every value was 1/N on every rank, so each sum is 1 (exactly, for N a power of 2).
            double smallest = buffer.min().item<float>(), largest = buffer.max().item<float>();
            if (Math.Abs(smallest - 1) > 1e-5 || Math.Abs(largest - 1) > 1e-5)
            {
                throw new InvalidOperationException($"The all-reduced values lie in [{smallest}, {largest}]; expected 1.");
            }

            double median = Statistics.Median(times);
            double localMedian = Statistics.Median(localTimes);
            double ratio = Statistics.Median(times.Zip(localTimes, (t, l) => t / l));
            double bytes = count * sizeof(float);
            output.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"# times_ms={string.Join(' ', times.Select(t => t.ToString("F1", CultureInfo.InvariantCulture)))}"));
            output.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"allreduce ranks={mpi.Size} elements={count} mb={bytes / 1e6:F1} median_ms={median:F2} min_ms={times.Min():F2} max_ms={times.Max():F2} " +
                $"algbw_gb_s={bytes / (median / 1e3) / 1e9:F2} local_add_median_ms={localMedian:F2} allreduce_over_local_add={ratio:F2} " +
                $"load_average_1m_end={MachineInfo.LoadAverage():F2}"));
            return 0;
        });
    }

    private static long GradientCount(VisionTransformerOptions options)
    {
        using var model = new VisionTransformer(options);
        return model.parameters().Where(p => p.requires_grad).Sum(p => p.numel());
    }
}
