using System.Diagnostics;
using System.Globalization;
using Vit.Benchmarks.Distributed;
using Vit.Benchmarks.Measurement;
using Vit.Core;
using Vit.Distributed;
using Vit.Training;
using static TorchSharp.torch;

namespace Vit.Benchmarks.Commands;

/// <summary>
/// <c>dp-step</c>: data-parallel training updates through <see cref="Trainer.Fit(IEnumerable{ValueTuple{Tensor, Tensor}}, IEnumerable{ValueTuple{Tensor, Tensor}}?, IProgress{TrainingProgress}?, CancellationToken)"/>
/// at a fixed per-rank batch, 1 torch thread per rank. Under <c>mpirun -np N</c> the trainer all-reduces the flat
/// gradient buffer each update; alone it is the 1-process baseline on the same per-rank batch. Prints the median
/// update time and, with N ranks, what the collectives took of it (the wait for the slowest rank separately).
/// </summary>
internal static class DataParallelStepCommand
{
    public static int Run(Arguments args)
    {
        var options = ModelArguments.Read(args);
        int batch = args.Int("batch", 32);
        int steps = args.Int("steps", 6);
        int warmup = args.Int("warmup", 2);
        args.ThrowIfUnused();
        set_num_threads(1);
        CpuMemory.RetainFreedMemory();

        return MpiCommunicator.Run(mpi =>
        {
            var output = mpi.OnRoot(Console.Out);
            output.WriteLine(MachineInfo.Describe());
            var group = mpi.Size > 1 ? new TimedProcessGroup(mpi) : null;
            manual_seed(0);
            using var model = new VisionTransformer(options);
            using var trainer = new Trainer(model, new TrainerOptions
            {
                Epochs = 1,
                LearningRate = 3e-3,
                WeightDecay = 0.3,
                WarmupSteps = 1,
                GradientClipNorm = 1.0,
                Seed = 0,
                LogEverySteps = 1_000_000,
            }, group);
            using var generator = new Generator((ulong)(1 + mpi.Rank));
            using var images = randn([batch, options.InChannels, options.ImageSize, options.ImageSize], generator: generator);
            using var labels = randint(0, options.NumClasses, [batch], generator: generator, dtype: ScalarType.Int64);
            var batches = Enumerable.Repeat((images, labels), warmup + steps).ToList();
            var clock = new StepClock(warmup, group);
            trainer.Callbacks.Add(clock);
            trainer.Fit(batches);

            double update = Statistics.Median(clock.Updates);
            string line = string.Create(
                CultureInfo.InvariantCulture,
                $"dp-step ranks={mpi.Size} batch_per_rank={batch} global_batch={batch * mpi.Size} steps={steps} update_median_ms={update:F1} update_min_ms={clock.Updates.Min():F1} update_max_ms={clock.Updates.Max():F1}");
            if (group is not null)
            {
                double perUpdate(TimeSpan total) => total.TotalMilliseconds / steps;
                double reduce = perUpdate(group.GradientAllReduce);
                double wait = perUpdate(group.Wait);
                double other = perUpdate(group.Other);
                double mean = clock.Updates.Average();
                line += string.Create(
                    CultureInfo.InvariantCulture,
                    $" allreduce_ms={reduce:F2} wait_ms={wait:F2} other_collectives_ms={other:F3} other_collectives_per_update={(double)group.OtherCalls / steps:F1} update_mean_ms={mean:F1} " +
                    $"allreduce_share={reduce / mean:P2} allreduce_plus_wait_share={(reduce + wait) / mean:P2}");
                // Every rank's figures, so that a descheduled rank shows.
                double[] all = mpi.AllGather<double>([reduce, wait]);
                line += " per_rank_allreduce_wait_ms=" + string.Join(';', Enumerable.Range(0, mpi.Size).Select(r => string.Create(CultureInfo.InvariantCulture, $"{all[2 * r]:F1}/{all[2 * r + 1]:F1}")));
            }

            output.WriteLine(line + string.Create(CultureInfo.InvariantCulture, $" load_average_1m_end={MachineInfo.LoadAverage():F2}"));
            return 0;
        });
    }

    /// <summary>Times each update after the warm-up (from one step's end to the next's).</summary>
    private sealed class StepClock(int warmup, TimedProcessGroup? group) : ITrainerCallback
    {
        private long _last;

        public List<double> Updates { get; } = [];

        public void OnFitStart(Trainer trainer) => _last = Stopwatch.GetTimestamp();

        public void OnStepEnd(Trainer trainer, TrainingStepResult result)
        {
            long now = Stopwatch.GetTimestamp();
            if (result.Step > warmup)
            {
                Updates.Add(Stopwatch.GetElapsedTime(_last, now).TotalMilliseconds);
            }
            else if (result.Step == warmup)
            {
                group?.Reset();
            }

            _last = now;
        }
    }
}
