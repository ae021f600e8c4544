using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Vit.Benchmarks.Micro;

/// <summary>
/// Runs BenchmarkDotNet in-process: its default toolchain would generate and build a project per run, which here
/// inherits the repository's central package management and the Linux load fix only by accident. In-process,
/// the benchmarks use this executable's already patched native libraries. Few iterations: each op takes milliseconds.
/// </summary>
internal static class MicroConfig
{
    public static IConfig Create() => DefaultConfig.Instance
        .AddJob(Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithWarmupCount(3)
            .WithIterationCount(10)
            .WithId("InProcess"));
}
