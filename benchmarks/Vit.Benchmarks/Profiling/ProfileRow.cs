namespace Vit.Benchmarks.Profiling;

/// <summary>One line of the profile: an op kind, how often a training step runs it, and its measured cost.</summary>
/// <param name="Group">Coarse class (gemm, attention, norm, activation, memory, optimizer, ...).</param>
/// <param name="Name">What was timed, with its shape.</param>
/// <param name="CountPerStep">How many times one training step runs it.</param>
/// <param name="Milliseconds">Median time of one run.</param>
/// <param name="Gflop">FLOP of one run in GFLOP (0 for ops that are not counted as model FLOP).</param>
internal sealed record ProfileRow(string Group, string Name, int CountPerStep, double Milliseconds, double Gflop)
{
    public double StepMilliseconds => CountPerStep * Milliseconds;

    public double Gflops => Gflop > 0 ? Gflop / (Milliseconds / 1000) : 0;
}
