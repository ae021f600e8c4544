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

    public static string Describe()
    {
        string cpu = "unknown cpu";
        const string cpuinfo = "/proc/cpuinfo";
        if (File.Exists(cpuinfo))
        {
            cpu = File.ReadLines(cpuinfo).FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? cpu;
        }

        return string.Create(
            CultureInfo.InvariantCulture,
            $"# cpu=\"{cpu}\" logical_cpus={Environment.ProcessorCount} torch_threads={get_num_threads()} interop_threads={get_num_interop_threads()} " +
            $"os=\"{RuntimeInformation.OSDescription}\" dotnet={Environment.Version} load_average_1m={LoadAverage():F2}");
    }
}
