using System.Globalization;

namespace Vit.Distributed.Tests.RankProgram;

/// <summary>
/// The test assembly's own entry point (the test SDK's empty one is turned off): the 2-process tests start
/// <c>mpirun -np 2 dotnet Vit.Distributed.Tests.dll &lt;scenario&gt; [timeout seconds] [scenario arguments]</c>, so each rank runs one
/// scenario and prints "rank=R key=value" lines for the tests to check. The test runner never calls it.
/// </summary>
internal static class RankMain
{
    public static int Main(string[] args)
    {
        string scenario = args.Length > 0 ? args[0] : "collectives";
        var options = new MpiOptions();
        if (args.Length > 1)
        {
            options.CollectiveTimeout = TimeSpan.FromSeconds(double.Parse(args[1], CultureInfo.InvariantCulture));
        }

        string[] rest = args.Length > 2 ? args[2..] : [];
        return MpiCommunicator.Run(
            mpi => scenario switch
            {
                "collectives" => Collectives.Run(mpi),
                "mismatch" => Faults.Mismatch(mpi),
                "dead-rank" => Faults.DeadRank(mpi),
                "exception" => Faults.RankThrows(mpi),
                "unhandled" => Faults.UnhandledOnThread(mpi),
                "hang" => Faults.Hang(mpi),
                "train" => Training.Train(mpi, rest),
                "train-mismatch" => Training.Mismatch(mpi, rest),
                "train-indivisible" => Training.Indivisible(mpi, rest),
                "train-batchnorm" => BatchNormTraining.Run(mpi, rest),
                _ => throw new ArgumentException($"Unknown scenario '{scenario}'.", nameof(args)),
            },
            options);
    }
}
