using System.Globalization;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace Vit.Benchmarks.Measurement;

/// <summary>Describes the conditions of a run in one comment line, so a figure can be judged later.</summary>
internal static class MachineInfo
{
    /// <summary>Gets the 1-minute load average (NaN where <c>/proc/loadavg</c> does not exist).</summary>
    public static double LoadAverage()
    {
        const string path = "/proc/loadavg";
        if (!File.Exists(path))
        {
            return double.NaN;
        }

        string first = File.ReadAllText(path).Split(' ')[0];
        return double.Parse(first, CultureInfo.InvariantCulture);
    }

    /// <summary>The CPU flags that decide which GEMM kernels libtorch can use (bf16/fp16 ones above all).</summary>
    private static readonly string[] s_gemmFlags = ["avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16", "avx512_fp16", "amx_tile", "amx_bf16", "amx_fp16", "f16c"];

    public static string Describe()
    {
        string cpu = "unknown cpu";
        string flags = "unknown";
        const string cpuinfo = "/proc/cpuinfo";
        if (File.Exists(cpuinfo))
        {
            var lines = File.ReadLines(cpuinfo).Take(64).ToList();
            cpu = lines.FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? cpu;

            // "AMD EPYC" alone does not say which generation: family 25 is Zen 3/4, 26 is Zen 5.
            string Field(string key) => lines.FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal) && l[key.Length..].TrimStart().StartsWith(':'))?.Split(':', 2)[1].Trim() ?? "?";
            cpu = $"{cpu}, family {Field("cpu family")} model {Field("model")}";
            var present = lines.FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal))?.Split(':', 2)[1].Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
            flags = present is null ? flags : string.Join(',', s_gemmFlags.Where(present.Contains));
        }

        return string.Create(
            CultureInfo.InvariantCulture,
            $"# cpu=\"{cpu}\" cpu_flags={flags} logical_cpus={Environment.ProcessorCount} torch_threads={get_num_threads()} interop_threads={get_num_interop_threads()} " +
            $"os=\"{RuntimeInformation.OSDescription}\" dotnet={Environment.Version} load_average_1m={LoadAverage():F2}");
    }
}
