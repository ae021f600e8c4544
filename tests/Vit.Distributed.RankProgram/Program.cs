using System.Globalization;
using Vit.Distributed;
using Vit.Distributed.RankProgram;

// Usage: Vit.Distributed.RankProgram <scenario> [timeout seconds]
// Each rank prints "rank=R key=value" lines; Vit.Distributed.Tests checks them.
string scenario = args.Length > 0 ? args[0] : "collectives";
var options = new MpiOptions();
if (args.Length > 1)
{
    options.CollectiveTimeout = TimeSpan.FromSeconds(double.Parse(args[1], CultureInfo.InvariantCulture));
}

return MpiCommunicator.Run(
    mpi => scenario switch
    {
        "collectives" => Collectives.Run(mpi),
        "mismatch" => Faults.Mismatch(mpi),
        "dead-rank" => Faults.DeadRank(mpi),
        "exception" => Faults.RankThrows(mpi),
        "unhandled" => Faults.UnhandledOnThread(mpi),
        "hang" => Faults.Hang(mpi),
        _ => throw new ArgumentException($"Unknown scenario '{scenario}'.", nameof(args)),
    },
    options);
